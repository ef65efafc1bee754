import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import type { EventName, EventPayload } from '../../../shared/api/contract';
import type { EventSink } from '../../../shared/api/client';
import { LakebenchError, type LakebenchErrorData } from '../../../shared/errors';
import { parseIpynb, serializeIpynb } from '../../../shared/notebook/ipynb';
import { MAX_OUTPUT_BYTES, OUTPUT_MARKER, type Task } from '../../../shared/pipeline/model';
import { renderTemplate, type TemplateContext } from '../../../shared/pipeline/template';
import type { Warehouse } from '../warehouse';
import { writeFileAtomic, type Workspace } from '../workspace';
import { runProcess } from './process';

/** What an executor gets: the task with its templates rendered, where to log, and how to be stopped. */
export interface TaskExecution {
  task: Task;
  taskId: string;
  context: TemplateContext;
  /** LAKEBENCH_* and tracking variables for child processes. */
  env: Record<string, string>;
  signal: AbortSignal;
  log: (line: string) => void;
  /** Engine-state folder of this try (scripts, executed notebooks). */
  tryDir: string;
  workspace: Workspace;
  warehouse: Warehouse;
  python: string;
  /** Called with the process id of a shell or Python task, so a crash can be cleaned up after. */
  onSpawn?: (pid: number) => void;
}

export interface ExecutionResult {
  output: unknown;
  exitCode: number | null;
  /** Absolute path of the executed notebook of a notebook task. */
  executedNotebook?: string;
}

function taskError(
  code: LakebenchErrorData['code'],
  message: string,
  task: string,
  extra = {},
): LakebenchError {
  return new LakebenchError(code, message, { task, ...extra });
}

/** JSON-safe plain values (DuckDB gives bigints, dates, decimals). */
function toPlain(value: unknown): unknown {
  if (typeof value === 'bigint') {
    return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER)
      ? Number(value)
      : value.toString();
  }
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) return `<${value.length} bytes>`;
  if (Array.isArray(value)) return value.map(toPlain);
  if (value && typeof value === 'object') {
    const v = value as { toJSON?: () => unknown };
    if (typeof v.toJSON === 'function' && !(value.constructor === Object)) return toPlain(v.toJSON());
    return Object.fromEntries(Object.entries(value).map(([k, x]) => [k, toPlain(x)]));
  }
  return value;
}

/** Checks a task's output is small JSON. */
export function checkOutput(value: unknown, task: string): unknown {
  const text = JSON.stringify(value ?? null);
  if (text.length > MAX_OUTPUT_BYTES) {
    throw taskError(
      'TASK_OUTPUT_INVALID',
      `the output of task ${task} is ${text.length} bytes; outputs are at most ${MAX_OUTPUT_BYTES} bytes (write large data to a table)`,
      task,
    );
  }
  return JSON.parse(text) as unknown;
}

export interface SqlResult {
  rows: number;
  truncated: boolean;
  rows_changed: number | null;
  first_row: Record<string, unknown> | null;
  columns: string[];
}

/**
 * Runs SQL in the workspace DuckDB through the warehouse's interruptible queries. `label` names the query in
 * the warehouse (task and try); a random suffix keeps two runs' tries of the same task from sharing an id.
 */
export function runSql(
  warehouse: Warehouse,
  sql: string,
  signal: AbortSignal,
  label: string,
): Promise<SqlResult> {
  const queryId = `${label}:${randomUUID()}`;
  return new Promise((resolve, reject) => {
    let firstBatch: Uint8Array | null = null;
    const sink: EventSink = {
      emit<E extends EventName>(name: E, payload: EventPayload<E>) {
        if (name === 'warehouse.onQueryBatch') {
          const p = payload as EventPayload<'warehouse.onQueryBatch'>;
          if (p.queryId === queryId && p.batchIndex === 0) firstBatch = p.arrow;
        } else if (name === 'warehouse.onQueryFinished') {
          const p = payload as EventPayload<'warehouse.onQueryFinished'>;
          if (p.queryId !== queryId) return;
          signal.removeEventListener('abort', onAbort);
          if (p.status === 'cancelled') {
            reject(signal.reason ?? new LakebenchError('QUERY_CANCELLED', 'the query was cancelled'));
            return;
          }
          if (p.status === 'failed') {
            const e = p.error;
            reject(
              new LakebenchError(
                (e?.code ?? 'SQL_ERROR') as never,
                e?.message ?? 'the query failed',
                e?.location,
              ),
            );
            return;
          }
          let firstRow: Record<string, unknown> | null = null;
          if (firstBatch && p.rowCount > 0) {
            const table = tableFromIPC(firstBatch);
            const row = table.get(0);
            firstRow = row ? (toPlain(row.toJSON()) as Record<string, unknown>) : null;
          }
          resolve({
            rows: p.rowCount,
            truncated: p.truncated,
            rows_changed: p.rowsChanged,
            first_row: firstRow,
            columns: p.columns.map((c) => c.name),
          });
        }
      },
    };
    const onAbort = () => warehouse.cancelQuery(queryId);
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      warehouse.runQuery({ sql, queryId, maxRows: 1000 }, sink);
    } catch (err) {
      signal.removeEventListener('abort', onAbort);
      reject(err);
    }
  });
}

function resolveInWorkspace(ex: TaskExecution, relative: string, field: string): string {
  try {
    return ex.workspace.resolve(relative);
  } catch (err) {
    throw taskError('PIPELINE_INVALID', `${field}: ${(err as Error).message}`, ex.taskId);
  }
}

async function executeSql(ex: TaskExecution): Promise<ExecutionResult> {
  const task = ex.task as Extract<Task, { type: 'sql' }>;
  const sql = task.sql as string;
  ex.log(`[lakebench] running SQL:\n${sql}`);
  const result = await runSql(
    ex.warehouse,
    sql,
    ex.signal,
    `pipeline:${path.basename(ex.tryDir)}:${ex.taskId}`,
  );
  ex.log(
    `[lakebench] ${result.rows} row(s)${result.rows_changed !== null ? `, ${result.rows_changed} changed` : ''}`,
  );
  if (result.first_row) ex.log(`[lakebench] first row: ${JSON.stringify(result.first_row)}`);
  return { output: { rows: result.rows, first_row: result.first_row }, exitCode: null };
}

/** Reads an output marker line: `::lakebench-output::{json}`. */
function outputFromLine(line: string, task: string): { value: unknown } | null {
  const at = line.indexOf(OUTPUT_MARKER);
  if (at === -1) return null;
  const text = line.slice(at + OUTPUT_MARKER.length).trim();
  try {
    return { value: JSON.parse(text) as unknown };
  } catch {
    throw taskError(
      'TASK_OUTPUT_INVALID',
      `task ${task} printed an output that is not JSON: ${text.slice(0, 200)}`,
      task,
    );
  }
}

async function executeProcess(
  ex: TaskExecution,
  command: string,
  args: string[],
  cwd: string,
  env: Record<string, string>,
  lastLineOutput: boolean,
): Promise<ExecutionResult> {
  let output: { value: unknown } | null = null;
  let lastLine: string | null = null;
  let outputError: LakebenchError | null = null;
  const result = await runProcess({
    command,
    args,
    cwd,
    env: { ...process.env, ...ex.env, ...env },
    signal: ex.signal,
    onSpawn: ex.onSpawn,
    onLine: (line, stream) => {
      ex.log(stream === 'stderr' ? `[stderr] ${line}` : line);
      if (stream !== 'stdout') return;
      try {
        const o = outputFromLine(line, ex.taskId);
        if (o) output = o;
        else if (line.trim() !== '') lastLine = line;
      } catch (err) {
        outputError = err as LakebenchError;
      }
    },
  });
  if (result.exitCode !== 0) {
    const how = result.signal ? `was killed by ${result.signal}` : `exited with code ${result.exitCode}`;
    throw Object.assign(taskError('TASK_FAILED', `task ${ex.taskId} ${how}`, ex.taskId), {
      exitCode: result.exitCode,
    });
  }
  if (outputError) throw outputError;
  const value = output ? (output as { value: unknown }).value : lastLineOutput ? lastLine : null;
  return { output: value, exitCode: result.exitCode };
}

async function executeShell(ex: TaskExecution): Promise<ExecutionResult> {
  const task = ex.task as Extract<Task, { type: 'shell' }>;
  const cwd = task.cwd ? resolveInWorkspace(ex, task.cwd, 'cwd') : ex.workspace.root;
  ex.log(`[lakebench] $ ${task.command}`);
  return executeProcess(
    ex,
    '/bin/sh',
    ['-c', task.command],
    cwd,
    task.env ?? {},
    task.output === 'last_line',
  );
}

async function executePython(ex: TaskExecution): Promise<ExecutionResult> {
  const task = ex.task as Extract<Task, { type: 'python' }>;
  let script: string;
  if (task.script) {
    script = resolveInWorkspace(ex, task.script, 'script');
    if (!existsSync(script))
      throw taskError('NOT_FOUND', `task ${ex.taskId}: there is no script ${task.script}`, ex.taskId, {
        file: task.script,
      });
  } else {
    // Inline code goes to a file, so tracebacks name real lines.
    script = path.join(ex.tryDir, `${ex.taskId}.py`);
    await writeFile(script, task.code ?? '');
  }
  const cwd = task.cwd ? resolveInWorkspace(ex, task.cwd, 'cwd') : ex.workspace.root;
  ex.log(`[lakebench] ${ex.python} ${task.script ?? `${ex.taskId}.py (inline code)`}`);
  return executeProcess(
    ex,
    ex.python,
    ['-u', script, ...(task.args ?? [])],
    cwd,
    { PYTHONUNBUFFERED: '1', ...(task.env ?? {}) },
    false,
  );
}

/**
 * Runs a notebook headless: its SQL cells in order, templates rendered with the task's parameters as `params`,
 * each cell's result recorded as an output. The executed notebook is kept per try. Python cells need the
 * kernel bridge, which headless runs do not start yet: a notebook with Python code cells fails with that reason.
 */
async function executeNotebook(ex: TaskExecution): Promise<ExecutionResult> {
  const task = ex.task as Extract<Task, { type: 'notebook' }>;
  const file = resolveInWorkspace(ex, task.notebook, 'notebook');
  const text = await readFile(file, 'utf8').catch(() => {
    throw taskError('NOT_FOUND', `task ${ex.taskId}: there is no notebook ${task.notebook}`, ex.taskId, {
      file: task.notebook,
    });
  });
  const doc = parseIpynb(text, task.notebook);
  const params = { ...((ex.context.params as Record<string, unknown>) ?? {}), ...(task.parameters ?? {}) };
  const context = { ...ex.context, params };
  const executed = path.join(ex.tryDir, path.basename(task.notebook));
  let last: SqlResult | null = null;
  let count = 0;
  const save = () => writeFileAtomic(executed, serializeIpynb(doc));
  try {
    for (let i = 0; i < doc.cells.length; i++) {
      const cell = doc.cells[i];
      if (cell.language === 'markdown' || cell.source.trim() === '') continue;
      if (cell.language !== 'sql') {
        throw taskError(
          'TASK_FAILED',
          `cell ${i + 1} of ${task.notebook} is ${cell.language}: headless notebook runs execute SQL cells only (the Python kernel is not available to pipelines yet)`,
          ex.taskId,
          { file: task.notebook, cellId: cell.id },
        );
      }
      let sql: string;
      try {
        sql = renderTemplate(cell.source, context);
      } catch (err) {
        throw taskError('PIPELINE_INVALID', `cell ${i + 1}: ${(err as Error).message}`, ex.taskId, {
          file: task.notebook,
          cellId: cell.id,
        });
      }
      ex.log(`[lakebench] cell ${i + 1}: ${sql.split('\n')[0].slice(0, 200)}`);
      count++;
      try {
        last = await runSql(
          ex.warehouse,
          sql,
          ex.signal,
          `pipeline:${path.basename(ex.tryDir)}:${ex.taskId}:${i}`,
        );
      } catch (err) {
        if (ex.signal.aborted) throw err;
        const message = (err as Error).message;
        cell.outputs = [{ output_type: 'error', ename: 'SQLError', evalue: message, traceback: [message] }];
        throw taskError('SQL_ERROR', `cell ${i + 1} of ${task.notebook}: ${message}`, ex.taskId, {
          file: task.notebook,
          cellId: cell.id,
        });
      }
      cell.executionCount = count;
      cell.source = sql;
      cell.outputs = [
        {
          output_type: 'execute_result',
          execution_count: count,
          metadata: {},
          data: {
            'application/json': { rows: last.rows, columns: last.columns, first_row: last.first_row },
            'text/plain': `${last.rows} row(s)${last.first_row ? `; first: ${JSON.stringify(last.first_row)}` : ''}`,
          },
        },
      ];
      ex.log(`[lakebench] cell ${i + 1}: ${last.rows} row(s)`);
    }
  } finally {
    await mkdir(path.dirname(executed), { recursive: true });
    await save();
  }
  return {
    output: last ? { cells: count, rows: last.rows, first_row: last.first_row } : { cells: count },
    exitCode: null,
    executedNotebook: executed,
  };
}

export async function executeTask(ex: TaskExecution): Promise<ExecutionResult> {
  await mkdir(ex.tryDir, { recursive: true });
  let result: ExecutionResult;
  switch (ex.task.type) {
    case 'sql':
      result = await executeSql(ex);
      break;
    case 'shell':
      result = await executeShell(ex);
      break;
    case 'python':
      result = await executePython(ex);
      break;
    case 'notebook':
      result = await executeNotebook(ex);
      break;
    default: {
      const never: never = ex.task;
      throw new Error(`unknown task type ${(never as Task).type}`);
    }
  }
  return { ...result, output: checkOutput(result.output, ex.taskId) };
}

/** The Python Lakebench runs: LAKEBENCH_PYTHON, then lakebench.yaml's `python`, then Debian's, then PATH's. */
export function pythonExecutable(settings: Record<string, unknown>): string {
  if (process.env.LAKEBENCH_PYTHON) return process.env.LAKEBENCH_PYTHON;
  const fromSettings = (settings.pipelines as { python?: unknown } | undefined)?.python ?? settings.python;
  if (typeof fromSettings === 'string' && fromSettings.trim()) return fromSettings;
  if (existsSync('/usr/bin/python3')) return '/usr/bin/python3';
  return 'python3';
}
