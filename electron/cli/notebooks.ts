import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { LakebenchError } from '../../shared/errors';
import { fromDatabricksSource, toDatabricksSource } from '../../shared/notebook/databricks';
import { parseIpynb, serializeIpynb } from '../../shared/notebook/ipynb';
import { Notebooks } from '../core/notebooks';
import { Workspace } from '../core/workspace';

/** The notebook commands of the `lakebench` CLI: moving notebooks to and from Jupyter and Databricks. */

export const NOTEBOOK_HELP = `  lakebench export-notebook --workspace DIR NOTEBOOK --format ipynb|databricks [-o FILE]
                                                 write a notebook as .ipynb or as Databricks source (.py/.sql)
  lakebench import-notebook --workspace DIR FILE [--name NAME]
                                                 add a Databricks source file or an .ipynb as notebooks/NAME.ipynb
`;

function requireWorkspace(value: string | undefined): string {
  if (!value) throw new LakebenchError('INVALID_REQUEST', '--workspace DIR is required');
  return path.resolve(value);
}

function onePositional(positionals: string[], what: string): string {
  if (positionals.length !== 1) throw new LakebenchError('INVALID_REQUEST', `give exactly one ${what}`);
  return positionals[0];
}

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
