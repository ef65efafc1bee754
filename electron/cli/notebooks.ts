import { copyFile, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { LakebenchError } from '../../shared/errors';
import { onePositional, requireWorkspace } from './args';
import { fromDatabricksSource, toDatabricksSource } from '../../shared/notebook/databricks';
import { parseIpynb, serializeIpynb } from '../../shared/notebook/ipynb';
import { LakebenchCore } from '../core/app';
import { Notebooks } from '../core/notebooks';
import { runNotebook } from '../core/pipelines';
import { Workspace } from '../core/workspace';

/** The notebook commands of the `lakebench` CLI: moving notebooks to and from Jupyter and Databricks. */

export const NOTEBOOK_HELP = `  lakebench run-notebook --workspace DIR NOTEBOOK [-p name=value ...] [-o OUT.ipynb]
                                                 run a notebook headless (papermill-style); exit 1 on a failed cell
  lakebench export-notebook --workspace DIR NOTEBOOK --format ipynb|databricks [-o FILE]
                                                 write a notebook as .ipynb or as Databricks source (.py/.sql)
  lakebench import-notebook --workspace DIR FILE [--name NAME]
                                                 add a Databricks source file or an .ipynb as notebooks/NAME.ipynb
`;

export async function exportNotebookCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      workspace: { type: 'string', short: 'w' },
      format: { type: 'string', short: 'f' },
      output: { type: 'string', short: 'o' },
    },
    allowPositionals: true,
    strict: true,
  });
  if (values.format !== 'ipynb' && values.format !== 'databricks')
    throw new LakebenchError('INVALID_REQUEST', '--format is ipynb or databricks');
  const ws = await Workspace.open(requireWorkspace(values.workspace), { create: false });
  try {
    const { notebook } = await new Notebooks(ws).open(onePositional(positionals, 'notebook path'));
    const text = values.format === 'ipynb' ? serializeIpynb(notebook) : toDatabricksSource(notebook);
    if (values.output) {
      await writeFile(values.output, text);
      process.stderr.write(`wrote ${values.output}\n`);
    } else process.stdout.write(text);
    return 0;
  } finally {
    ws.close();
  }
}

export async function importNotebookCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { workspace: { type: 'string', short: 'w' }, name: { type: 'string', short: 'n' } },
    allowPositionals: true,
    strict: true,
  });
  const source = onePositional(positionals, 'file to import');
  const text = await readFile(source, 'utf8').catch((err: NodeJS.ErrnoException) => {
    throw new LakebenchError('NOT_FOUND', `${source} cannot be read: ${err.message}`, { file: source });
  });
  const doc = source.toLowerCase().endsWith('.ipynb')
    ? parseIpynb(text, source)
    : fromDatabricksSource(text, source);
  const base = (values.name ?? path.basename(source).replace(/\.(ipynb|py|sql)$/i, '')).trim();
  const ws = await Workspace.open(requireWorkspace(values.workspace), { create: false });
  try {
    const notebooks = new Notebooks(ws);
    const { path: rel } = await notebooks.create(base);
    const { mtimeMs } = await notebooks.stat(rel);
    await notebooks.save(rel, doc, mtimeMs, false);
    for (const notice of doc.notices ?? []) process.stderr.write(`${source}: ${notice}\n`);
    const readOnly = doc.cells.filter((c) => c.readOnly).length;
    process.stderr.write(
      `imported ${doc.cells.length} cell(s) into ${rel}${readOnly ? ` (${readOnly} kept read-only)` : ''}\n`,
    );
    return 0;
  } finally {
    ws.close();
  }
}

/** A parameter's value as papermill reads `-p`: numbers, true/false and null as such, anything else text. */
function parameterValue(text: string): string | number | boolean | null {
  if (text === 'true' || text === 'True') return true;
  if (text === 'false' || text === 'False') return false;
  if (text === 'null' || text === 'None') return null;
  if (/^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(text)) return Number(text);
  return text;
}

export async function runNotebookCommand(argv: string[], version: string): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      workspace: { type: 'string', short: 'w' },
      parameter: { type: 'string', short: 'p', multiple: true },
      output: { type: 'string', short: 'o' },
    },
    allowPositionals: true,
    strict: true,
  });
  const notebook = onePositional(positionals, 'notebook path');
  const parameters: Record<string, string | number | boolean | null> = {};
  for (const p of values.parameter ?? []) {
    const eq = p.indexOf('=');
    if (eq <= 0) throw new LakebenchError('INVALID_REQUEST', `-p takes name=value, not "${p}"`);
    parameters[p.slice(0, eq)] = parameterValue(p.slice(eq + 1));
  }
  const core = await LakebenchCore.open({ workspacePath: requireWorkspace(values.workspace), version });
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  try {
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    const runDir = path.join(core.workspace.engineDir, 'notebook-runs', stamp);
    let executed: string;
    let failure: unknown = null;
    try {
      ({ executedNotebook: executed } = await runNotebook({
        workspace: core.workspace,
        warehouse: core.warehouse,
        notebook,
        parameters,
        runDir,
        log: (line) => process.stderr.write(`${line}\n`),
        signal: controller.signal,
      }));
    } catch (err) {
      failure = err;
      executed = (err as { executedNotebook?: string }).executedNotebook ?? '';
    }
    if (values.output && executed) await copyFile(executed, values.output);
    const where = values.output ?? executed;
    if (where) process.stderr.write(`executed notebook: ${where}\n`);
    if (failure) throw failure;
    return 0;
  } finally {
    process.off('SIGINT', stop);
    await core.close();
  }
}
