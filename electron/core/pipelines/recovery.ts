import { appendFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { errorMessage, LakebenchError } from '../../../shared/errors';
import { effectiveTaskSettings, retryDelayMs, type Pipeline } from '../../../shared/pipeline/model';
import { isProcessAlive, killProcessGroupIfSame } from '../runtime';
import { iso } from './pipeline-run-state';
import type { PipelineRunStore } from './pipeline-run-store';

/** A runner silent for STALE_MS is considered dead. */
export const STALE_MS = 30_000;

/**
 * Makes this runner the workspace's one: another Lakebench on this machine whose runner is alive and has
 * proved it lately holds the workspace (WORKSPACE_LOCKED); runners that are gone are forgotten.
 */
export function claimWorkspace(store: PipelineRunStore, runnerId: string, now: string): void {
  for (const other of store.otherRunners(runnerId)) {
    const fresh = Date.now() - Date.parse(other.heartbeatAt) < STALE_MS;
    if (fresh && other.hostname === os.hostname() && isProcessAlive(other.pid) && other.pid !== process.pid) {
      throw new LakebenchError(
        'WORKSPACE_LOCKED',
        `Pipelines of this workspace are being run by another Lakebench (process ${other.pid})`,
      );
    }
    store.removeRunner(other.runnerId);
  }
  store.registerRunner(runnerId, process.pid, os.hostname(), now);
}

/**
 * Tries left queued or running by a runner that died (kill -9, power loss): their processes are killed, the
 * try fails, and the task instance is up for retry or failed as its retries say.
 */
export function recoverOrphanTries(store: PipelineRunStore, runnerId: string, engineDir: string): number {
  const orphans = store.orphanTries(runnerId);
  const now = Date.now();
  for (const o of orphans) {
    // The pid is killed only while it is still the try's process: after a crash the number may be reused.
    const killed = o.pid ? killProcessGroupIfSame(o.pid, o.pidIdentity, 'SIGKILL') : 'gone';
    const row = store.getRunRow(o.runId);
    if (!row) continue;
    const pipeline = JSON.parse(row.definition) as Pipeline;
    const task = pipeline.tasks.find((t) => t.id === o.taskId);
    const settings = task ? effectiveTaskSettings(pipeline, task) : null;
    const ti = store.taskInstances(o.runId).find((t) => t.taskId === o.taskId);
    const error = {
      code: 'TASK_ORPHANED',
      message: `the Lakebench process running try ${o.tryNumber} of ${o.taskId} stopped before it finished`,
      location: { task: o.taskId },
    };
    store.transaction(() => {
      store.updateTry(o.runId, o.taskId, o.tryNumber, {
        state: 'failed',
        ended_at: iso(now),
        error: JSON.stringify(error),
      });
      if (!ti) return;
      const retry = settings && ti.tryNumber < ti.maxTries;
      store.updateTaskInstance(o.runId, o.taskId, {
        state: retry ? 'up_for_retry' : 'failed',
        ended_at: iso(now),
        next_try_at: retry ? iso(now + retryDelayMs(settings, ti.tryNumber)) : null,
      });
    });
    appendTryLog(
      store,
      engineDir,
      o.runId,
      o.taskId,
      o.tryNumber,
      `[lakebench] ${error.message}; marked failed on recovery` +
        (killed === 'other'
          ? `; process ${o.pid} was left running, as it is not the one the try started (the pid was reused or could not be checked)`
          : ''),
    );
  }
  return orphans.length;
}

function appendTryLog(
  store: PipelineRunStore,
  engineDir: string,
  runId: string,
  taskId: string,
  tryNumber: number,
  line: string,
): void {
  const t = store.getTry(runId, taskId, tryNumber, () => 0);
  if (!t) return;
  const file = path.join(engineDir, t.logFile);
  try {
    // Synchronous, so a failure is caught here (a stream's error would be thrown later, uncaught).
    mkdirSync(path.dirname(file), { recursive: true });
    appendFileSync(file, `${line}\n`);
  } catch (err) {
    // Only this note is lost; the state change is stored.
    process.stderr.write(`lakebench: could not add to the log ${file}: ${errorMessage(err)}\n`);
  }
}
