import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Pipelines } from '../../electron/core/pipelines';
// The store is read and written directly: these tests plant what a crashed runner leaves in pipelines.db.
import { PipelineRunStore } from '../../electron/core/pipelines/pipeline-run-store';
import { isProcessAlive, killOwnProcessGroup, processIdentity } from '../../electron/core/runtime';
import { statStartTime } from '../../electron/core/runtime/process';
import { Warehouse } from '../../electron/core/warehouse';
import { Workspace } from '../../electron/core/workspace';
import { RecordingSink } from '../support/events';
import { tempDir } from '../support/temp';

let dir: string;
let cleanup: () => Promise<void>;
let ws: Workspace;
let warehouse: Warehouse;
let dbFile: string;
const children: ChildProcess[] = [];

beforeEach(async () => {
  ({ dir, cleanup } = await tempDir('lakebench-recovery-'));
  ws = await Workspace.open(dir);
  await ws.ensureLayout();
  warehouse = await Warehouse.open(path.join(ws.engineDir, 'warehouse.duckdb'));
  dbFile = path.join(ws.engineDir, 'pipelines.db');
});
afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  ws.close();
  await warehouse.close();
  await cleanup();
});

/** A process that has nothing to do with Lakebench, leading its own process group as a task's would. */
async function unrelatedProcess(): Promise<number> {
  const child = spawn('sleep', ['60'], { detached: true, stdio: 'ignore' });
  children.push(child);
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', reject);
  });
  return child.pid as number;
}

/** What a runner that died mid-try leaves behind: a running try whose recorded process is `pid`. */
function plantOrphan(pid: number, identity: string | null): string {
  const store = new PipelineRunStore(dbFile);
  try {
    const runId = 'crash__manual__2026-03-01T00:00:00.000Z';
    const date = '2026-03-01T00:00:00.000Z';
    const pipeline = { id: 'crash', tasks: [{ id: 'long', type: 'shell', command: 'sleep 60' }] };
    store.createRun(
      {
        runId,
        pipelineId: 'crash',
        runType: 'manual',
        logicalDate: date,
        intervalStart: date,
        intervalEnd: date,
        params: {},
        backfillId: null,
        taskSubset: null,
        definition: JSON.stringify(pipeline),
        tasks: [{ taskId: 'long', taskType: 'shell', maxTries: 1 }],
      },
      date,
    );
    store.updateRun(runId, { state: 'running', started_at: date });
    store.updateTaskInstance(runId, 'long', { state: 'running', try_number: 1, started_at: date });
    store.insertTry({
      runId,
      taskId: 'long',
      tryNumber: 1,
      state: 'running',
      queuedAt: date,
      logFile: 'pipelines/crash/try-1.log',
      runnerId: 'a-runner-that-crashed',
    });
    store.updateTry(runId, 'long', 1, { state: 'running', pid, pid_identity: identity });
    return runId;
  } finally {
    store.close();
  }
}

async function recover(runId: string) {
  const pipelines = Pipelines.open(ws, warehouse, new RecordingSink());
  try {
    const state = await pipelines.waitForRun(runId);
    return { state, detail: pipelines.getRun(runId) };
  } finally {
    await pipelines.close();
  }
}

describe('crash recovery and reused pids', () => {
  it('does not kill a live process whose pid was reused (its start time differs), and fails the try as orphaned', async () => {
    const pid = await unrelatedProcess();
    const real = processIdentity(pid);
    expect(real).not.toBeNull();
    // The attack: the recorded pid is alive, in a group of its own, but it is not the try's process.
    const runId = plantOrphan(pid, `${real as string}0`);
    const { state, detail } = await recover(runId);
    expect(isProcessAlive(pid)).toBe(true);
    expect(state).toBe('failed');
    const ti = detail.taskInstances.find((t) => t.taskId === 'long');
    expect(ti?.state).toBe('failed');
    expect(ti?.tries[0].error?.code).toBe('TASK_ORPHANED');
  });

  it('does not kill a recorded pid that has no identity (a try recorded before identities were kept)', async () => {
    const pid = await unrelatedProcess();
    const runId = plantOrphan(pid, null);
    const { detail } = await recover(runId);
    expect(isProcessAlive(pid)).toBe(true);
    expect(detail.taskInstances[0].tries[0].error?.code).toBe('TASK_ORPHANED');
  });

  it("kills the recorded process's group when it is still the try's process", async () => {
    const pid = await unrelatedProcess();
    const runId = plantOrphan(pid, processIdentity(pid));
    const { state, detail } = await recover(runId);
    await expect.poll(() => isProcessAlive(pid), { timeout: 10_000 }).toBe(false);
    expect(state).toBe('failed');
    expect(detail.taskInstances[0].tries[0].error?.code).toBe('TASK_ORPHANED');
  });
});

describe('process identity', () => {
  it("reads the start time after the last ')' even when the command name has spaces and parentheses", () => {
    const fields = Array.from({ length: 50 }, (_, i) => String(i + 3));
    fields[0] = 'S';
    expect(statStartTime(`1234 (evil) 0 0 (x) y) ${fields.join(' ')}`)).toBe('22');
    expect(statStartTime('1234 (short) S 1 2')).toBeNull();
    expect(statStartTime('garbage')).toBeNull();
  });

  it("kills a group Lakebench holds, but not once its leader's pid belongs to another process", async () => {
    const a = await unrelatedProcess();
    expect(killOwnProcessGroup(a, `${processIdentity(a) as string}0`)).toBe('other');
    expect(isProcessAlive(a)).toBe(true);
    expect(killOwnProcessGroup(a, processIdentity(a))).toBe('killed');
    await expect.poll(() => isProcessAlive(a), { timeout: 10_000 }).toBe(false);
    await expect.poll(() => killOwnProcessGroup(a, null), { timeout: 10_000 }).toBe('gone');
  });

  it('is the same for one process over time and different for another', async () => {
    const a = await unrelatedProcess();
    const b = await unrelatedProcess();
    expect(processIdentity(a)).toBe(processIdentity(a));
    expect(processIdentity(a)).not.toBe(processIdentity(b));
    expect(processIdentity(2 ** 22 + 12345)).toBeNull();
  });
});

describe('pipelines.db', () => {
  it('syncs every commit (synchronous = FULL), since runs and tries are acknowledged once written', () => {
    const store = new PipelineRunStore(dbFile);
    try {
      expect(store.db.pragma('synchronous', { simple: true })).toBe(2);
      expect(store.db.pragma('journal_mode', { simple: true })).toBe('wal');
    } finally {
      store.close();
    }
  });

  it('adds the pid identity column to an older database and keeps its rows', () => {
    const runId = plantOrphan(4242, null);
    // The database as the version before identities were kept left it.
    const old = new Database(dbFile);
    old.exec('ALTER TABLE tries DROP COLUMN pid_identity; UPDATE schema_version SET version = 1');
    old.close();
    const store = new PipelineRunStore(dbFile);
    try {
      expect(store.getRun(runId)?.state).toBe('running');
      expect(store.orphanTries('another-runner')).toEqual([
        {
          runId,
          taskId: 'long',
          tryNumber: 1,
          pid: 4242,
          pidIdentity: null,
          runnerId: 'a-runner-that-crashed',
        },
      ]);
    } finally {
      store.close();
    }
  });
});
