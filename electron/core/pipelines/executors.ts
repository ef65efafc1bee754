import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import type { EventName, EventPayload } from '../../../shared/api/contract';
import type { EventSink } from '../../../shared/api/client';
import { LakebenchError, toErrorData, type LakebenchErrorData } from '../../../shared/errors';
import { parseIpynb, serializeIpynb } from '../../../shared/notebook/ipynb';
import type { NotebookCell, NotebookOutput } from '../../../shared/notebook/model';
import { MAX_OUTPUT_BYTES, OUTPUT_MARKER, type Task } from '../../../shared/pipeline/model';
import { renderTemplate, type TemplateContext } from '../../../shared/pipeline/template';
import { injectParameters, PythonKernel, stripAnsi } from '../kernels';
import type { Warehouse } from '../warehouse';
import { writeFileAtomic, type Workspace } from '../workspace';
import { runProcess } from '../runtime';

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

/** What a notebook task logs of an output: stream lines as they come, and the plain text of results. */
class NotebookLog {
  private partial: Record<string, string> = {};
  /** The last `::lakebench-output::` value a Python cell printed. */
  marked: { value: unknown } | null = null;

  constructor(private readonly ex: TaskExecution) {}

  output(o: NotebookOutput): void {
    if (o.output_type === 'stream') {
      const name = String(o.name);
      const text = (this.partial[name] ?? '') + String(o.text ?? '');
      const lines = text.split('\n');
      this.partial[name] = lines.pop() ?? '';
      for (const line of lines) this.line(line, name);
    } else if (o.output_type === 'execute_result' || o.output_type === 'display_data') {
      const data = (o.data ?? {}) as Record<string, unknown>;
      const plain = data['text/plain'];
      const text = Array.isArray(plain) ? plain.join('') : typeof plain === 'string' ? plain : null;
      if (text !== null) for (const line of text.slice(0, 4000).split('\n')) this.ex.log(line);
      else this.ex.log(`[lakebench] ${Object.keys(data).join(', ')} output`);
    } else if (o.output_type === 'error') {
      const tb = Array.isArray(o.traceback) ? o.traceback.map(String) : [];
      for (const line of stripAnsi(tb.join('\n')).split('\n')) this.ex.log(`[stderr] ${line}`);
    }
  }

  flush(): void {
    for (const [name, rest] of Object.entries(this.partial)) if (rest) this.line(rest, name);
    this.partial = {};
  }

  private line(line: string, stream: string): void {
    this.ex.log(stream === 'stderr' ? `[stderr] ${line}` : line);
    if (stream === 'stdout') {
      const o = outputFromLine(line, this.ex.taskId);
      if (o) this.marked = o;
    }
  }
}

/**
 * Runs a notebook headless, papermill-style: SQL cells in the workspace DuckDB (templates rendered with the
 * task's parameters as `params`), Python cells in a fresh kernel for this try, in order. The task's parameters
 * are assigned in a cell injected after the one tagged `parameters`. Every cell's outputs, errors with their
 * traceback included, go into the executed notebook kept per try, saved after each cell. A failing cell fails
 * the task, naming the cell; a timeout or a cancel kills the kernel.
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
  const where = (cell: NotebookCell) => ({ file: task.notebook, cellId: cell.id });
  const code = doc.cells.filter((c) => c.language !== 'markdown' && c.source.trim() !== '');
  const other = code.find((c) => c.readOnly || (c.language !== 'sql' && c.language !== 'python'));
  if (other) {
    throw taskError(
      'TASK_FAILED',
      `cell ${doc.cells.indexOf(other) + 1} of ${task.notebook} is ${other.readOnly ?? other.language}: headless notebook runs execute SQL and Python cells`,
      ex.taskId,
      where(other),
    );
  }
  // Cells are named by their number in the notebook as written; the injected cell has none.
  const numbers = new Map(doc.cells.map((c, i) => [c, i + 1]));
  if (code.some((c) => c.language === 'python') && task.parameters && Object.keys(task.parameters).length)
    injectParameters(doc, task.parameters, { file: task.notebook, task: ex.taskId });
  const label = (cell: NotebookCell) => {
    const n = numbers.get(cell);
    return n === undefined ? 'the injected parameters cell' : `cell ${n}`;
  };

  let last: SqlResult | null = null;
  let count = 0;
  let kernel: PythonKernel | null = null;
  const log = new NotebookLog(ex);
  await mkdir(path.dirname(executed), { recursive: true });
  const save = () => writeFileAtomic(executed, serializeIpynb(doc));
  try {
    for (const cell of doc.cells) {
      if (cell.language === 'markdown' || cell.source.trim() === '') continue;
      if (ex.signal.aborted) throw ex.signal.reason;
      cell.outputs = [];
      cell.executionCount = null;
      if (cell.language === 'python') {
        ex.log(`[lakebench] ${label(cell)} (python): ${cell.source.split('\n')[0].slice(0, 200)}`);
        if (!kernel) {
          try {
            kernel = await PythonKernel.start({
              python: ex.python,
              cwd: ex.workspace.root,
              env: ex.env,
              signal: ex.signal,
              onSpawn: ex.onSpawn,
              onLog: (line) => ex.log(`[kernel] ${line}`),
            });
          } catch (err) {
            if (ex.signal.aborted) throw ex.signal.reason;
            throw taskError(
              'TASK_FAILED',
              `${label(cell)} of ${task.notebook}: ${(err as Error).message}`,
              ex.taskId,
              where(cell),
            );
          }
        }
        const n = ++count;
        const r = await kernel.execute(cell.source, { onOutput: (o) => log.output(o) });
        log.flush();
        cell.outputs = r.outputs.map((o) =>
          o.output_type === 'execute_result' ? { ...o, execution_count: n } : o,
        );
        cell.executionCount = n;
        if (ex.signal.aborted) {
          // The executed notebook shows where the run stopped and why.
          const reason = toErrorData(ex.signal.reason);
          cell.outputs.push({
            output_type: 'error',
            ename: reason.code === 'TASK_TIMEOUT' ? 'TaskTimeout' : 'TaskCancelled',
            evalue: reason.message,
            traceback: [reason.message],
          });
          throw ex.signal.reason;
        }
        if (r.status !== 'ok') {
          const what =
            r.status === 'error' && r.error
              ? `raised ${r.error.ename}${r.error.evalue ? `: ${r.error.evalue}` : ''}`
              : r.status === 'died'
                ? 'stopped: the Python kernel died'
                : 'was aborted by the kernel';
          throw taskError(
            'TASK_FAILED',
            `${label(cell)} of ${task.notebook} ${what}`,
            ex.taskId,
            where(cell),
          );
        }
        await save();
        continue;
      }
      let sql: string;
      try {
        sql = renderTemplate(cell.source, context);
      } catch (err) {
        throw taskError(
          'PIPELINE_INVALID',
          `${label(cell)}: ${(err as Error).message}`,
          ex.taskId,
          where(cell),
        );
      }
      ex.log(`[lakebench] ${label(cell)}: ${sql.split('\n')[0].slice(0, 200)}`);
      const n = ++count;
      try {
        last = await runSql(
          ex.warehouse,
          sql,
          ex.signal,
          `pipeline:${path.basename(ex.tryDir)}:${ex.taskId}:${numbers.get(cell) ?? 0}`,
        );
      } catch (err) {
        if (ex.signal.aborted) throw err;
        const message = (err as Error).message;
        cell.outputs = [{ output_type: 'error', ename: 'SQLError', evalue: message, traceback: [message] }];
        throw taskError(
          'SQL_ERROR',
          `${label(cell)} of ${task.notebook}: ${message}`,
          ex.taskId,
          where(cell),
        );
      }
      cell.executionCount = n;
      cell.source = sql;
      cell.outputs = [
        {
          output_type: 'execute_result',
          execution_count: n,
          metadata: {},
          data: {
            'application/json': { rows: last.rows, columns: last.columns, first_row: last.first_row },
            'text/plain': `${last.rows} row(s)${last.first_row ? `; first: ${JSON.stringify(last.first_row)}` : ''}`,
          },
        },
      ];
      ex.log(`[lakebench] ${label(cell)}: ${last.rows} row(s)`);
      await save();
    }
  } catch (err) {
    // A failed try keeps its executed notebook too (with the traceback): the error says where it is.
    if (err && typeof err === 'object') Object.assign(err, { executedNotebook: executed });
    throw err;
  } finally {
    log.flush();
    if (kernel) {
      const k: PythonKernel = kernel;
      if (ex.signal.aborted) k.kill();
      else await k.shutdown(2000);
    }
    await save();
  }
  const cells = [...numbers.keys()].filter((c) => c.executionCount !== null).length;
  const output = log.marked
    ? log.marked.value
    : last
      ? { cells, rows: last.rows, first_row: last.first_row }
      : { cells };
  return { output, exitCode: null, executedNotebook: executed };
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
