import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { LakebenchError, toErrorData } from '../../../shared/errors';
import { retryDelayMs, type EffectiveTaskSettings, type Task } from '../../../shared/pipeline/model';
import { renderTemplate, runContext, TemplateError } from '../../../shared/pipeline/template';
import { tryLogRecord } from '../logs';
import { processIdentity, reportError } from '../runtime';
import type { Workspace } from '../workspace';
import { executeTask } from './executors';
import type { EngineOptions } from './runner';
import { engineRelative, iso, type ActivePipelineRun, type ActiveTi } from './pipeline-run-state';
import type { PipelineRunStore } from './pipeline-run-store';

const LOG_FLUSH_MS = 150;

/** The lines a try's raw log holds already (0 for a new try). */
async function rawLogLines(file: string): Promise<number> {
  try {
    const bytes = await readFile(file);
    let n = 0;
    for (let i = bytes.indexOf(10); i !== -1; i = bytes.indexOf(10, i + 1)) n++;
    return n;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw err;
  }
}

/** What a try needs from the runner that started it. */
export interface TryHost {
  readonly options: EngineOptions;
  readonly store: PipelineRunStore;
  readonly engineDir: string;
  /** Announces a task instance's state (with the try's record when tryNumber is given). */
  emitTask(a: ActivePipelineRun, ti: ActiveTi, tryNumber: number | null): void;
  /** The try ended: its downstream (and its retry) must be looked at again. */
  changed(a: ActivePipelineRun, ti: ActiveTi): void;
  /** Asks the runner for a pass. */
  tick(): void;
}

/** A try's task with its templates rendered in the run's context, and what each field rendered to. */
export async function renderTask(
  workspace: Workspace,
  a: ActivePipelineRun,
  task: Task,
  tryNumber: number,
): Promise<{ task: Task; rendered: Record<string, string>; context: ReturnType<typeof runContext> }> {
  const outputs: Record<string, unknown> = {};
  for (const [id, ti] of a.tis) if (ti.state === 'success' && ti.output !== null) outputs[id] = ti.output;
  const context = runContext({
    runId: a.run.runId,
    logicalDate: new Date(a.run.logicalDate),
    dataIntervalStart: new Date(a.run.dataIntervalStart),
    dataIntervalEnd: new Date(a.run.dataIntervalEnd),
    params: a.run.params,
    outputs,
    pipelineId: a.run.pipelineId,
    taskId: task.id,
    tryNumber,
    workspace: workspace.root,
  });
  const rendered: Record<string, string> = {};
  const render = (field: string, text: string) => {
    try {
      const out = renderTemplate(text, context);
      rendered[field] = out;
      return out;
    } catch (err) {
      if (err instanceof TemplateError) {
        throw new LakebenchError('PIPELINE_INVALID', `task ${task.id}, ${field}: ${err.message}`, {
          task: task.id,
        });
      }
      throw err;
    }
  };
  const renderEnv = (env: Record<string, string> | undefined) =>
    env ? Object.fromEntries(Object.entries(env).map(([k, v]) => [k, render(`env.${k}`, v)])) : undefined;
  switch (task.type) {
    case 'sql': {
      let text = task.sql;
      if (text === undefined && task.file) {
        const file = workspace.resolve(task.file);
        text = await readFile(file, 'utf8').catch(() => {
          throw new LakebenchError('NOT_FOUND', `task ${task.id}: there is no SQL file ${task.file}`, {
            task: task.id,
            file: task.file,
          });
        });
      }
      return { task: { ...task, sql: render('sql', text ?? '') }, rendered, context };
    }
    case 'shell':
      return {
        task: {
          ...task,
          command: render('command', task.command),
          env: renderEnv(task.env),
          cwd: task.cwd !== undefined ? render('cwd', task.cwd) : undefined,
        },
        rendered,
        context,
      };
    case 'python':
      // Python code is not templated ({{ }} is Python syntax); it reads the context from LAKEBENCH_* variables.
      return {
        task: { ...task, args: task.args?.map((x, i) => render(`args.${i}`, x)), env: renderEnv(task.env) },
        rendered,
        context,
      };
    case 'notebook':
      return {
        task: {
          ...task,
          parameters: task.parameters
            ? Object.fromEntries(
                Object.entries(task.parameters).map(([k, v]) => [
                  k,
                  typeof v === 'string' ? render(`parameters.${k}`, v) : v,
                ]),
              )
            : undefined,
        },
        rendered,
        context,
      };
    default: {
      const never: never = task;
      return never;
    }
  }
}

/**
 * Runs one try of a task instance to its end: renders the task, runs its executor with the run's environment,
 * streams its log lines, and stores and announces how it ended (success, up for retry, failed, or stopped by
 * the user or by closing).
 */
export async function runTry(
  host: TryHost,
  a: ActivePipelineRun,
  ti: ActiveTi,
  tryNumber: number,
  abort: AbortController,
  logFile: string,
  tryDir: string,
): Promise<void> {
  const runId = a.run.runId;
  const taskId = ti.taskId;
  const task = a.tasks.get(taskId) as Task;
  const settings = a.settings.get(taskId) as EffectiveTaskSettings;
  const logPath = path.join(host.engineDir, logFile);
  await mkdir(path.dirname(logPath), { recursive: true });
  const log: WriteStream = createWriteStream(logPath, { flags: 'a' });
  const sink = host.options.logs ?? null;
  const source = { kind: 'pipeline', pipelineId: a.run.pipelineId, runId, taskId, tryNumber } as const;
  // The index numbers a try's lines as its raw log does, so a gap fill from the file finds them.
  let lineNo = sink ? await rawLogLines(logPath) : 0;
  let pending: string[] = [];
  let flushTimer: NodeJS.Timeout | null = null;
  const flush = () => {
    flushTimer = null;
    if (!pending.length) return;
    const lines = pending;
    pending = [];
    host.options.events.emit('pipelines.onLog', { runId, taskId, tryNumber, lines });
  };
  const writeLine = (line: string) => {
    log.write(`${line}\n`);
    if (sink) {
      const time = Date.now();
      for (const part of line.includes('\n') ? line.split('\n') : [line])
        sink.write(tryLogRecord(source, ++lineNo, part, time));
    }
    pending.push(line);
    if (!flushTimer) flushTimer = setTimeout(flush, LOG_FLUSH_MS);
  };
  let timeout: NodeJS.Timeout | null = null;
  let trackerTryId: string | null = null;
  try {
    const startedAt = iso(Date.now());
    ti.state = 'running';
    ti.startedAt = startedAt;
    host.store.transaction(() => {
      host.store.updateTaskInstance(runId, taskId, { state: 'running', started_at: startedAt });
      host.store.updateTry(runId, taskId, tryNumber, { state: 'running', started_at: startedAt });
    });
    host.emitTask(a, ti, tryNumber);
    writeLine(`[lakebench] ${taskId} try ${tryNumber} of ${ti.maxTries} started at ${startedAt}`);
    const {
      task: renderedTask,
      rendered,
      context,
    } = await renderTask(host.options.workspace, a, task, tryNumber);
    host.store.updateTry(runId, taskId, tryNumber, { rendered: JSON.stringify(rendered) });
    // The try as rendered is worth showing while it runs, not only once it ended.
    host.emitTask(a, ti, tryNumber);
    if (settings.executionTimeoutMs !== null) {
      timeout = setTimeout(() => {
        abort.abort(
          new LakebenchError(
            'TASK_TIMEOUT',
            `task ${taskId} ran longer than its execution_timeout of ${settings.executionTimeoutMs} ms and was killed`,
            { task: taskId },
          ),
        );
      }, settings.executionTimeoutMs);
    }
    const tracking = host.options.tracking;
    if (tracking && a.trackerRunId) {
      // The try runs untracked when the tracker fails.
      trackerTryId = await tracking.startTry(a.trackerRunId, a.run, taskId, tryNumber).catch((err) => {
        reportError(`try ${tryNumber} of ${taskId} in ${runId} could not be tracked`, err);
        return null;
      });
      if (trackerTryId) host.store.updateTry(runId, taskId, tryNumber, { tracker_run_id: trackerTryId });
    }
    const env: Record<string, string> = {
      ...(tracking ? tracking.env() : {}),
      MLFLOW_EXPERIMENT_NAME: `pipeline:${a.run.pipelineId}`,
      ...(a.trackerRunId ? { MLFLOW_PARENT_RUN_ID: a.trackerRunId } : {}),
      ...(trackerTryId ? { MLFLOW_RUN_ID: trackerTryId } : {}),
      LAKEBENCH_WORKSPACE: host.options.workspace.root,
      LAKEBENCH_PIPELINE_ID: a.run.pipelineId,
      LAKEBENCH_RUN_ID: runId,
      LAKEBENCH_TASK_ID: taskId,
      LAKEBENCH_TRY_NUMBER: String(tryNumber),
      LAKEBENCH_DS: String(context.ds),
      LAKEBENCH_LOGICAL_DATE: String(context.logical_date),
      LAKEBENCH_DATA_INTERVAL_START: String(context.data_interval_start),
      LAKEBENCH_DATA_INTERVAL_END: String(context.data_interval_end),
      LAKEBENCH_PARAMS: JSON.stringify(a.run.params),
      LAKEBENCH_OUTPUTS: JSON.stringify(context.outputs),
    };
    const result = await executeTask({
      task: renderedTask,
      taskId,
      context,
      env,
      signal: abort.signal,
      log: writeLine,
      tryDir,
      workspace: host.options.workspace,
      warehouse: host.options.warehouse,
      python: host.options.python,
      onSpawn: (pid) =>
        host.store.updateTry(runId, taskId, tryNumber, { pid, pid_identity: processIdentity(pid) }),
    });
    if (abort.signal.aborted) throw abort.signal.reason;
    const endedAt = iso(Date.now());
    writeLine(
      `[lakebench] ${taskId} succeeded${result.output !== null ? `; output ${JSON.stringify(result.output)}` : ''}`,
    );
    ti.state = 'success';
    ti.endedAt = endedAt;
    ti.output = result.output;
    const executedNotebook = result.executedNotebook
      ? engineRelative(host.engineDir, result.executedNotebook)
      : null;
    host.store.transaction(() => {
      host.store.updateTry(runId, taskId, tryNumber, {
        state: 'success',
        ended_at: endedAt,
        output: JSON.stringify(result.output),
        exit_code: result.exitCode,
        executed_notebook: executedNotebook,
      });
      host.store.updateTaskInstance(runId, taskId, {
        state: 'success',
        ended_at: endedAt,
        output: JSON.stringify(result.output),
      });
    });
    if (trackerTryId && tracking) {
      const metrics: Record<string, number> = {};
      const out = result.output as Record<string, unknown> | null;
      if (out && typeof out === 'object')
        for (const [k, v] of Object.entries(out)) if (typeof v === 'number') metrics[k] = v;
      void tracking
        .endTry(trackerTryId, 'success', metrics)
        .catch((err) => reportError(`the tracked try ${trackerTryId} could not be ended`, err));
    }
  } catch (err) {
    const endedAt = iso(Date.now());
    const stop = ti.stopReason;
    const data = toErrorData(abort.signal.aborted && abort.signal.reason ? abort.signal.reason : err);
    const { exitCode, executedNotebook } = err as { exitCode?: unknown; executedNotebook?: unknown };
    // How the try ended, whatever happens to the task next; a failed notebook keeps its executed copy.
    const failedTry = {
      state: 'failed' as const,
      ended_at: endedAt,
      error: JSON.stringify(data),
      exit_code: typeof exitCode === 'number' ? exitCode : null,
      executed_notebook:
        typeof executedNotebook === 'string' ? engineRelative(host.engineDir, executedNotebook) : null,
    };
    writeLine(`[lakebench] ${taskId} try ${tryNumber} failed: ${data.message}`);
    if (trackerTryId && host.options.tracking)
      void host.options.tracking
        .endTry(trackerTryId, 'failed', {})
        .catch((err) => reportError(`the tracked try ${trackerTryId} could not be ended`, err));
    if (stop === 'closed') {
      // Lakebench is closing: the try ends, but it does not count against the task's retries; the task runs
      // again when the workspace opens next.
      ti.state = 'scheduled';
      ti.maxTries += 1;
      host.store.transaction(() => {
        host.store.updateTry(runId, taskId, tryNumber, failedTry);
        host.store.updateTaskInstance(runId, taskId, { state: 'scheduled', max_tries: ti.maxTries });
      });
    } else if (stop) {
      // Cancel, clear and mark set the task's state themselves; the try only records how it ended.
      host.store.updateTry(runId, taskId, tryNumber, failedTry);
      host.emitTask(a, ti, tryNumber);
    } else {
      const retry = tryNumber < ti.maxTries;
      ti.state = retry ? 'up_for_retry' : 'failed';
      ti.endedAt = endedAt;
      ti.nextTryAt = retry ? Date.now() + retryDelayMs(settings, tryNumber) : null;
      if (retry) writeLine(`[lakebench] up for retry at ${iso(ti.nextTryAt as number)}`);
      host.store.transaction(() => {
        host.store.updateTry(runId, taskId, tryNumber, failedTry);
        host.store.updateTaskInstance(runId, taskId, {
          state: ti.state,
          ended_at: endedAt,
          next_try_at: ti.nextTryAt ? iso(ti.nextTryAt) : null,
        });
      });
    }
  } finally {
    if (timeout) clearTimeout(timeout);
    if (flushTimer) clearTimeout(flushTimer);
    flush();
    await new Promise<void>((resolve) => log.end(resolve));
    ti.abort = null;
    host.changed(a, ti);
    if (!ti.stopReason) host.emitTask(a, ti, tryNumber);
    ti.stopReason = null;
    host.tick();
  }
}
