import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { LakebenchError, formatLocation } from '../shared/errors';
import { LakebenchCore } from './core/app';
import { LOGS_HELP, logsCommand } from './cli/logs';
import {
  NOTEBOOK_HELP,
  exportNotebookCommand,
  importNotebookCommand,
  runNotebookCommand,
} from './cli/notebooks';
import { PIPELINE_HELP, backfill, exportAirflowCommand, runPipeline, validate } from './cli/pipelines';
import { TABLES_HELP, sqlCommand } from './cli/tables';
import { lakebenchHome, prepareSampleWorkspace } from './core/sample';
import { startServer } from './server';

const HELP = `Lakebench — a local-first workbench for data and ML work.

Usage:
  lakebench serve [--workspace DIR] [--port N]   serve the app on 127.0.0.1 (browser mode)
  lakebench version                              print the version
${PIPELINE_HELP}${NOTEBOOK_HELP}${LOGS_HELP}${TABLES_HELP}
Options of serve:
  --workspace DIR   the workspace folder (created if missing); default: the sample workspace in
                    $LAKEBENCH_HOME/sample (LAKEBENCH_HOME defaults to ~/Lakebench)
  --port N          the port; 0 picks a free one (default 0)
  --token T         use this token instead of a random one (scripts; keep it secret)
`;

/** The package root: found upward from this file, whether it runs from source or from dist/. */
function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    dir = path.dirname(dir);
  }
  return process.cwd();
}

function version(root: string): string {
  try {
    return (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return '0.0.0';
  }
}

function fail(message: string): never {
  process.stderr.write(`lakebench: ${message}\n`);
  process.exit(1);
}

async function serve(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      workspace: { type: 'string', short: 'w' },
      port: { type: 'string', short: 'p', default: '0' },
      token: { type: 'string' },
    },
    strict: true,
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    fail(`--port must be a number from 0 to 65535, not ${values.port}`);
  const root = packageRoot();
  const rendererDir = path.join(root, 'dist', 'renderer');
  if (!existsSync(path.join(rendererDir, 'index.html'))) {
    fail(`the app is not built (${rendererDir} is missing): run \`npm run build\` first`);
  }
  const workspacePath = values.workspace
    ? path.resolve(values.workspace)
    : await prepareSampleWorkspace(lakebenchHome());
  if (!values.workspace) process.stdout.write(`Opening the sample workspace in ${workspacePath}\n`);
  const core = await LakebenchCore.open({
    workspacePath,
    version: version(root),
    schedulePipelines: true,
  });
  const server = await startServer({ core, port, rendererDir, token: values.token });
  process.stdout.write(`Lakebench is serving ${core.workspace.root}\nOpen ${server.url}\n`);
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await server.close();
    await core.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

export async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'serve':
        return await serve(rest);
      case 'run-pipeline':
        process.exitCode = await runPipeline(rest, version(packageRoot()));
        return;
      case 'backfill':
        process.exitCode = await backfill(rest, version(packageRoot()));
        return;
      case 'validate':
        process.exitCode = await validate(rest);
        return;
      case 'export-airflow':
        process.exitCode = await exportAirflowCommand(rest);
        return;
      case 'run-notebook':
        process.exitCode = await runNotebookCommand(rest, version(packageRoot()));
        return;
      case 'export-notebook':
        process.exitCode = await exportNotebookCommand(rest);
        return;
      case 'import-notebook':
        process.exitCode = await importNotebookCommand(rest);
        return;
      case 'logs':
        process.exitCode = await logsCommand(rest);
        return;
      case 'sql':
        process.exitCode = await sqlCommand(rest, version(packageRoot()));
        return;
      case 'version':
      case '--version':
      case '-v':
        process.stdout.write(`${version(packageRoot())}\n`);
        return;
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        process.stdout.write(HELP);
        return;
      default:
        fail(`unknown command "${command}"\n\n${HELP}`);
    }
  } catch (err) {
    if (err instanceof LakebenchError) {
      const where = formatLocation(err.location);
      fail(where && !err.message.includes(where) ? `${err.message} (${where})` : err.message);
    }
    if (
      err instanceof TypeError &&
      'code' in err &&
      String((err as { code: unknown }).code).startsWith('ERR_PARSE_ARGS')
    ) {
      fail(`${err.message}\n\n${HELP}`);
    }
    throw err;
  }
}
