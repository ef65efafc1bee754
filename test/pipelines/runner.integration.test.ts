import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Pipelines } from '../../electron/core/pipelines';
import { runSql } from '../../electron/core/pipelines/executors';
import { isProcessAlive } from '../../electron/core/runtime';
import { Warehouse } from '../../electron/core/warehouse';
import { Workspace } from '../../electron/core/workspace';
import { RecordingSink } from '../support/events';
import { tempDir } from '../support/temp';

let dir: string;
let cleanup: () => Promise<void>;
let ws: Workspace;
let warehouse: Warehouse;
let events: RecordingSink;
let pipelines: Pipelines;

async function openAll(): Promise<void> {
  ws = await Workspace.open(dir);
  await ws.ensureLayout();
  warehouse = await Warehouse.open(path.join(ws.engineDir, 'warehouse.duckdb'));
  events = new RecordingSink();
  pipelines = Pipelines.open(ws, warehouse, events);
}

async function closeAll(): Promise<void> {
  await pipelines.close();
  ws.close();
  await warehouse.close();
}

beforeEach(async () => {
  ({ dir, cleanup } = await tempDir('lakebench-pipelines-'));
  await openAll();
});
afterEach(async () => {
  await closeAll();
  await cleanup();
});

async function define(id: string, yaml: string): Promise<void> {
  await writeFile(path.join(dir, 'pipelines', `${id}.yaml`), yaml);
}

async function run(id: string, params: Record<string, unknown> = {}, date?: string) {
  const { runId } = await pipelines.trigger(id, params, date);
  const state = await pipelines.waitForRun(runId);
  const detail = pipelines.getRun(runId);
  const states = Object.fromEntries(detail.taskInstances.map((t) => [t.taskId, t.state]));
  return { runId, state, states, detail };
}

describe('pipeline runs', () => {
  it('runs the smallest pipeline of the issue: shell, DuckDB SQL and Python, with logs and outputs', async () => {
    await define(
      'hello',
      `id: hello
schedule: "@daily"
start_date: 2026-01-01
default_args: { retries: 1, retry_delay: 1s }
tasks:
  - { id: extract, type: shell, command: "echo 42" }
  - { id: load, type: sql, sql: "CREATE OR REPLACE TABLE hello AS SELECT 42 AS answer", depends_on: [extract] }
  - { id: report, type: python, code: "print('done')", depends_on: [load], trigger_rule: all_done }
`,
    );
    const r = await run('hello');
    expect(r.state).toBe('success');
    expect(r.states).toEqual({ extract: 'success', load: 'success', report: 'success' });
    expect(await warehouse.queryRows('SELECT answer FROM hello')).toEqual([{ answer: 42 }]);
    const report = r.detail.taskInstances.find((t) => t.taskId === 'report');
    const log = await pipelines.readLog({
      runId: r.runId,
      taskId: 'report',
      tryNumber: 1,
      offset: 0,
      maxBytes: 100_000,
    });
    expect(log.text).toContain('done\n');
    expect(log.complete).toBe(true);
    expect(report?.tries[0].logBytes).toBe(log.size);
    // Graph and Grid follow events: every state a task went through was announced.
    const seen = events
      .of('pipelines.onTaskChanged')
      .filter((e) => e.taskInstance.taskId === 'load')
      .map((e) => e.taskInstance.state);
    // (A running try is announced again once its templates are rendered.)
    expect(seen.filter((state, i) => state !== seen[i - 1])).toEqual([
      'scheduled',
      'queued',
      'running',
      'success',
    ]);
    expect(events.of('pipelines.onLog').some((e) => e.taskId === 'report' && e.lines.includes('done'))).toBe(
      true,
    );
  });

  it('passes outputs and params through rendered templates, and stores what was rendered', async () => {
    await define(
      'flow',
      `id: flow
params:
  city: { type: string, default: Paris }
  n: 2
tasks:
  - id: count
    type: sql
    sql: "SELECT {{ params.n }} * 21 AS answer, {{ params.city | sql }} AS city"
  - id: py
    type: python
    depends_on: [count]
    code: |
      import json, os
      outputs = json.loads(os.environ["LAKEBENCH_OUTPUTS"])
      print("::lakebench-output::" + json.dumps({"doubled": outputs["count"]["first_row"]["answer"] * 2, "ds": os.environ["LAKEBENCH_DS"]}))
  - id: echo
    type: shell
    depends_on: [py]
    command: "echo {{ outputs.py.doubled }} {{ params.city | shell }} {{ ds }}"
    output: last_line
`,
    );
    const r = await run('flow', { city: "Saint-Ouen l'Aumône" }, '2026-02-03');
    expect(r.state).toBe('success');
    const byId = Object.fromEntries(r.detail.taskInstances.map((t) => [t.taskId, t]));
    expect(byId.count.output).toEqual({ rows: 1, first_row: { answer: 42, city: "Saint-Ouen l'Aumône" } });
    expect(byId.py.output).toEqual({ doubled: 84, ds: '2026-02-03' });
    expect(byId.echo.output).toBe("84 Saint-Ouen l'Aumône 2026-02-03");
    expect(byId.echo.tries[0].rendered.command).toBe(`echo 84 'Saint-Ouen l'\\''Aumône' 2026-02-03`);
    expect(byId.count.tries[0].rendered.sql).toBe(`SELECT 2 * 21 AS answer, 'Saint-Ouen l''Aumône' AS city`);
    // What a try ran is told while it runs, before it ended.
    const renderedWhileRunning = events
      .of('pipelines.onTaskChanged')
      .find((e) => e.taskInstance.taskId === 'echo' && e.try?.state === 'running' && e.try.rendered.command);
    expect(renderedWhileRunning?.try?.rendered.command).toBe(byId.echo.tries[0].rendered.command);
    await expect(pipelines.trigger('flow', { n: 'two' })).rejects.toMatchObject({
      code: 'PIPELINE_PARAM_INVALID',
    });
    await expect(pipelines.trigger('flow', {}, '2026-02-03')).rejects.toMatchObject({
      code: 'PIPELINE_RUN_EXISTS',
    });
  });

  it('retries a failing task after its delay and succeeds on the second try', async () => {
    const counter = path.join(dir, 'count.txt');
    await define(
      'flaky',
      `id: flaky
tasks:
  - id: flaky
    type: shell
    retries: 2
    retry_delay: 0.3
    command: "n=$(cat ${counter} 2>/dev/null || echo 0); n=$((n+1)); echo $n > ${counter}; echo try $n; [ $n -ge 2 ]"
`,
    );
    const r = await run('flaky');
    expect(r.state).toBe('success');
    const ti = r.detail.taskInstances[0];
    expect(ti.tries.map((t) => t.state)).toEqual(['failed', 'success']);
    expect(ti.tries[0].exitCode).toBe(1);
    const gap = Date.parse(ti.tries[1].startedAt as string) - Date.parse(ti.tries[0].endedAt as string);
    expect(gap).toBeGreaterThanOrEqual(280);
    const states = events
      .of('pipelines.onTaskChanged')
      .filter((e) => e.taskInstance.taskId === 'flaky')
      .map((e) => e.taskInstance.state);
    expect(states).toContain('up_for_retry');
    const search = await pipelines.searchLog({
      runId: r.runId,
      taskId: 'flaky',
      query: '^TRY 2$',
      regex: true,
      caseSensitive: false,
      context: 1,
      limit: 10,
    });
    expect(search.matches).toHaveLength(1);
    expect(search.matches[0]).toMatchObject({ tryNumber: 2, text: 'try 2' });
    expect(search.matches[0].before[0]).toContain('$ n=');
  });

  it('kills the whole process tree when a task runs past its execution_timeout', async () => {
    const pidFile = path.join(dir, 'grandchild.pid');
    await define(
      'slow',
      `id: slow
tasks:
  - id: slow
    type: shell
    execution_timeout: 1s
    command: "sleep 30 & echo $! > ${pidFile}; wait"
  - { id: after, type: shell, command: "echo never", depends_on: [slow] }
`,
    );
    const started = Date.now();
    const r = await run('slow');
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(r.state).toBe('failed');
    expect(r.states).toEqual({ slow: 'failed', after: 'upstream_failed' });
    expect(r.detail.taskInstances[0].tries[0].error?.code).toBe('TASK_TIMEOUT');
    const grandchild = Number(await readFile(pidFile, 'utf8'));
    expect(grandchild).toBeGreaterThan(0);
    await new Promise((res) => setTimeout(res, 200));
    expect(isProcessAlive(grandchild)).toBe(false);
  });

  it('cascades failures and skips as Airflow does, and the leaves decide the run', async () => {
    await define(
      'rules',
      `id: rules
tasks:
  - { id: ok, type: shell, command: "true" }
  - { id: bad, type: shell, command: "exit 3" }
  - { id: needs_all, type: shell, command: "true", depends_on: [ok, bad] }
  - { id: after_needs_all, type: shell, command: "true", depends_on: [needs_all] }
  - { id: on_failure, type: shell, command: "true", depends_on: [ok, bad], trigger_rule: one_failed }
  - { id: cleanup, type: shell, command: "true", depends_on: [needs_all], trigger_rule: all_done }
  - { id: only_if_fine, type: shell, command: "true", depends_on: [bad], trigger_rule: none_failed }
  - { id: skipped_join, type: shell, command: "true", depends_on: [on_failure], trigger_rule: all_failed }
  - { id: after_skip, type: shell, command: "true", depends_on: [skipped_join] }
  - { id: join, type: shell, command: "true", depends_on: [after_skip], trigger_rule: none_failed_min_one_success }
`,
    );
    const r = await run('rules');
    expect(r.states).toEqual({
      ok: 'success',
      bad: 'failed',
      needs_all: 'upstream_failed',
      after_needs_all: 'upstream_failed',
      on_failure: 'success',
      cleanup: 'success',
      only_if_fine: 'upstream_failed',
      skipped_join: 'skipped',
      after_skip: 'skipped',
      join: 'skipped',
    });
    expect(r.state).toBe('failed');
  });

  it('keeps at most max_active_tasks running at once', async () => {
    const tasks = Array.from(
      { length: 6 },
      (_, i) => `  - { id: t${i}, type: shell, command: "sleep 0.3" }`,
    ).join('\n');
    await define('wide', `id: wide\nmax_active_tasks: 2\ntasks:\n${tasks}\n`);
    const r = await run('wide');
    expect(r.state).toBe('success');
    const spans = r.detail.taskInstances.map((t) => [
      Date.parse(t.startedAt as string),
      Date.parse(t.endedAt as string),
    ]);
    let maxOverlap = 0;
    for (const [s] of spans)
      maxOverlap = Math.max(maxOverlap, spans.filter(([a, b]) => a <= s && s < b).length);
    expect(maxOverlap).toBe(2);
  });

  it('cancels a run: the running try is killed, the rest is skipped, the run fails', async () => {
    await define(
      'cancel',
      `id: cancel
tasks:
  - { id: long, type: shell, command: "sleep 30" }
  - { id: next, type: shell, command: "true", depends_on: [long] }
`,
    );
    const { runId } = await pipelines.trigger('cancel', {});
    await events.waitFor(
      'pipelines.onTaskChanged',
      (e) => e.taskInstance.runId === runId && e.taskInstance.state === 'running',
    );
    expect(pipelines.cancelRun(runId)).toEqual({ cancelled: true });
    expect(await pipelines.waitForRun(runId)).toBe('failed');
    const detail = pipelines.getRun(runId);
    expect(detail.run.cancelled).toBe(true);
    expect(Object.fromEntries(detail.taskInstances.map((t) => [t.taskId, t.state]))).toEqual({
      long: 'failed',
      next: 'skipped',
    });
  });

  it('clears a task and its downstream to rerun them, and marks tasks by hand', async () => {
    const flag = path.join(dir, 'ok.flag');
    await define(
      'clear',
      `id: clear
tasks:
  - { id: a, type: shell, command: "echo a" }
  - { id: b, type: shell, command: "test -f ${flag}", depends_on: [a] }
  - { id: c, type: shell, command: "echo c", depends_on: [b] }
`,
    );
    const first = await run('clear');
    expect(first.states).toEqual({ a: 'success', b: 'failed', c: 'upstream_failed' });
    await writeFile(flag, '');
    expect(pipelines.clearTasks(first.runId, ['b'], true)).toEqual({ cleared: ['b', 'c'] });
    expect(await pipelines.waitForRun(first.runId)).toBe('success');
    const after = pipelines.getRun(first.runId);
    const b = after.taskInstances.find((t) => t.taskId === 'b');
    expect(b?.tries.map((t) => t.state)).toEqual(['failed', 'success']);
    expect(after.taskInstances.find((t) => t.taskId === 'a')?.tries).toHaveLength(1);
    // The rerun is timed on its own: the run started again after the first attempt had ended.
    expect(Date.parse(after.run.startedAt as string)).toBeGreaterThanOrEqual(
      Date.parse(first.detail.run.endedAt as string),
    );

    expect(pipelines.markTasks(first.runId, ['c'], 'failed', false)).toEqual({ marked: ['c'] });
    expect(pipelines.getRun(first.runId).run.state).toBe('failed');
    pipelines.markTasks(first.runId, ['c'], 'success', false);
    expect(pipelines.getRun(first.runId).run.state).toBe('success');
  });

  it('catchup creates each missed interval once; without catchup only the latest', async () => {
    await define(
      'daily',
      `id: daily\nschedule: "@daily"\nstart_date: 2026-01-01\ncatchup: true\ntasks:\n  - { id: a, type: shell, command: "echo {{ ds }}" }\n`,
    );
    await define(
      'latest',
      `id: latest\nschedule: "@daily"\nstart_date: 2026-01-01\ntasks:\n  - { id: a, type: shell, command: "true" }\n`,
    );
    const now = new Date('2026-01-04T06:00:00Z');
    expect(await pipelines.scheduleDue(now)).toBe(4);
    // A second look (a restart) creates nothing twice.
    expect(await pipelines.scheduleDue(now)).toBe(0);
    const runs = (await pipelines.listRuns('daily', 10)).runs;
    expect(runs.map((r) => [r.logicalDate.slice(0, 10), r.dataIntervalEnd.slice(0, 10), r.runType])).toEqual([
      ['2026-01-03', '2026-01-04', 'scheduled'],
      ['2026-01-02', '2026-01-03', 'scheduled'],
      ['2026-01-01', '2026-01-02', 'scheduled'],
    ]);
    const latest = (await pipelines.listRuns('latest', 10)).runs;
    expect(latest.map((r) => r.logicalDate.slice(0, 10))).toEqual(['2026-01-03']);
    for (const r of [...runs, ...latest]) expect(await pipelines.waitForRun(r.runId)).toBe('success');
    const log = await pipelines.readLog({
      runId: runs[2].runId,
      taskId: 'a',
      tryNumber: 1,
      offset: 0,
      maxBytes: 10_000,
    });
    expect(log.text).toContain('2026-01-01\n');
    expect(await pipelines.scheduleDue(new Date('2026-01-05T00:00:01Z'))).toBe(2);
  });

  it('@continuous starts the next run as soon as the previous one ends', async () => {
    await define(
      'loop',
      `id: loop\nschedule: "@continuous"\nmax_active_runs: 1\ntasks:\n  - { id: a, type: shell, command: "true" }\n`,
    );
    await pipelines.startScheduler();
    const ended: string[] = [];
    await new Promise<void>((resolve) => {
      const check = setInterval(async () => {
        const { runs } = await pipelines.listRuns('loop', 10);
        ended.splice(0, ended.length, ...runs.filter((r) => r.state === 'success').map((r) => r.runId));
        if (ended.length >= 3) {
          clearInterval(check);
          resolve();
        }
      }, 50);
    });
    pipelines.stopScheduler();
    const { runs } = await pipelines.listRuns('loop', 20);
    expect(runs.filter((r) => r.state === 'running' || r.state === 'queued').length).toBeLessThanOrEqual(1);
    expect(new Set(runs.map((r) => r.logicalDate)).size).toBe(runs.length);
  });

  it('plans a backfill as a dry run, limits it to chosen tasks, and runs it', async () => {
    await define(
      'bf',
      `id: bf\nschedule: "@daily"\nstart_date: 2026-01-01\ntasks:\n  - { id: a, type: shell, command: "echo a {{ ds }}" }\n  - { id: b, type: shell, command: "echo b {{ ds }}", depends_on: [a] }\n`,
    );
    await pipelines.trigger('bf', {}, '2026-01-02');
    const plan = await pipelines.planBackfill({
      id: 'bf',
      from: '2026-01-01',
      to: '2026-01-03',
      rerunExisting: false,
    });
    expect(plan.runs.map((r) => [r.logicalDate.slice(0, 10), r.action])).toEqual([
      ['2026-01-01', 'create'],
      ['2026-01-02', 'skip'],
      ['2026-01-03', 'create'],
    ]);
    expect(await pipelines.listRuns('bf', 10).then((l) => l.runs.length)).toBe(1);
    const started = await pipelines.backfill({
      id: 'bf',
      from: '2026-01-01',
      to: '2026-01-03',
      taskIds: ['b'],
      rerunExisting: false,
      maxActiveRuns: 1,
    });
    expect(started.runIds).toHaveLength(2);
    for (const id of started.runIds) expect(await pipelines.waitForRun(id)).toBe('success');
    const detail = pipelines.getRun(started.runIds[0]);
    expect(detail.run).toMatchObject({ runType: 'backfill', taskSubset: ['b'] });
    expect(detail.taskInstances.map((t) => t.taskId)).toEqual(['b']);
    // With maxActiveRuns 1 the backfill's runs did not overlap.
    const [r1, r2] = started.runIds.map((id) => pipelines.getRun(id).run);
    expect(Date.parse(r2.startedAt as string)).toBeGreaterThanOrEqual(Date.parse(r1.endedAt as string));
    await expect(
      pipelines.planBackfill({
        id: 'bf',
        from: '2026-01-01',
        to: '2026-01-02',
        taskIds: ['zz'],
        rerunExisting: false,
      }),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('runs the SQL of the same task in two runs side by side (their queries never share an id)', async () => {
    const slow = 'SELECT count(*) AS n FROM range(40000000) t(x) WHERE x % 7 = 0';
    const signal = new AbortController().signal;
    const first = runSql(warehouse, slow, signal, 'pipeline:try-1:stamp');
    while (warehouse.runningQueries === 0) await new Promise((r) => setTimeout(r, 5));
    const second = runSql(warehouse, 'SELECT 2 AS n', signal, 'pipeline:try-1:stamp');
    expect((await second).first_row).toEqual({ n: 2 });
    expect((await first).first_row).toEqual({ n: 5714286 });
  });

  it('keeps to max_active_runs, and a backfill never takes the slot a manual or scheduled run needs', async () => {
    await mkdir(path.join(dir, 'sql'), { recursive: true });
    await writeFile(path.join(dir, 'sql', 'stamp.sql'), "SELECT '{{ ds }}' AS day");
    await define(
      'busy',
      `id: busy\nschedule: "@daily"\nstart_date: 2026-01-01\nmax_active_runs: 1\ntasks:\n  - { id: wait, type: shell, command: "sleep 0.6" }\n  - { id: stamp, type: sql, file: sql/stamp.sql, depends_on: [wait] }\n`,
    );
    const a = await pipelines.trigger('busy', {}, '2026-02-01');
    const b = await pipelines.trigger('busy', {}, '2026-02-02');
    await events.waitFor('pipelines.onRunChanged', (r) => r.runId === a.runId && r.state === 'running');
    expect(pipelines.getRun(b.runId).run.state).toBe('queued');
    expect(await pipelines.waitForRun(a.runId)).toBe('success');
    expect(await pipelines.waitForRun(b.runId)).toBe('success');
    const runA = pipelines.getRun(a.runId);
    expect(Date.parse(pipelines.getRun(b.runId).run.startedAt as string)).toBeGreaterThanOrEqual(
      Date.parse(runA.run.endedAt as string),
    );
    expect(runA.taskInstances[1].output).toEqual({ rows: 1, first_row: { day: '2026-02-01' } });

    const backfill = await pipelines.backfill({
      id: 'busy',
      from: '2026-01-01',
      to: '2026-01-03',
      rerunExisting: false,
      maxActiveRuns: 1,
    });
    await events.waitFor(
      'pipelines.onRunChanged',
      (r) => r.backfillId === backfill.backfillId && r.state === 'running',
    );
    const manual = await pipelines.trigger('busy', {}, '2026-02-10');
    const started = await events.waitFor(
      'pipelines.onRunChanged',
      (r) => r.runId === manual.runId && r.state === 'running',
    );
    // The manual run started while the backfill's first run still ran.
    const running = (await pipelines.listRuns('busy', 20)).runs.filter(
      (r) => r.backfillId && r.state === 'running',
    );
    expect(running.length).toBe(1);
    expect(started.startedAt).not.toBeNull();
    for (const id of [manual.runId, ...backfill.runIds])
      expect(await pipelines.waitForRun(id)).toBe('success');
  });

  it('a task stopped because Lakebench closed runs again on the next open, without using a retry', async () => {
    const marker = path.join(dir, 'first.done');
    await define(
      'resume',
      `id: resume\ntasks:\n  - { id: slow, type: shell, command: "if [ -f ${marker} ]; then echo second; else touch ${marker}; sleep 30; fi" }\n`,
    );
    const { runId } = await pipelines.trigger('resume', {});
    await events.waitFor(
      'pipelines.onTaskChanged',
      (e) => e.taskInstance.runId === runId && e.taskInstance.state === 'running',
    );
    while (!existsSync(marker)) await new Promise((r) => setTimeout(r, 50));
    await closeAll();
    await openAll();
    expect(await pipelines.waitForRun(runId)).toBe('success');
    const ti = pipelines.getRun(runId).taskInstances[0];
    expect(ti.tries.map((t) => [t.state, t.error?.code ?? null])).toEqual([
      ['failed', 'TASK_CANCELLED'],
      ['success', null],
    ]);
    expect(ti.maxTries).toBe(2);
  });

  it('runs a notebook headless with parameters and keeps the executed notebook per try', async () => {
    const nb = {
      nbformat: 4,
      nbformat_minor: 5,
      metadata: { lakebench: { default_language: 'sql' } },
      cells: [
        { id: 'm', cell_type: 'markdown', metadata: {}, source: '# Report' },
        {
          id: 'c1',
          cell_type: 'code',
          metadata: {},
          source: 'CREATE OR REPLACE TABLE nb AS SELECT {{ params.n }} AS n',
          outputs: [],
          execution_count: null,
        },
        {
          id: 'c2',
          cell_type: 'code',
          metadata: {},
          source: 'SELECT n * 2 AS twice FROM nb',
          outputs: [],
          execution_count: null,
        },
      ],
    };
    await writeFile(path.join(dir, 'notebooks', 'report.ipynb'), JSON.stringify(nb));
    await define(
      'nb',
      `id: nb\ntasks:\n  - { id: report, type: notebook, notebook: notebooks/report.ipynb, parameters: { n: 21 } }\n`,
    );
    const r = await run('nb');
    expect(r.state).toBe('success');
    const t = r.detail.taskInstances[0];
    expect(t.output).toEqual({ cells: 2, rows: 1, first_row: { twice: 42 } });
    const executed = path.join(ws.engineDir, t.tries[0].executedNotebook as string);
    expect(existsSync(executed)).toBe(true);
    const saved = JSON.parse(await readFile(executed, 'utf8')) as {
      cells: { source: string | string[]; outputs?: unknown[] }[];
    };
    expect([saved.cells[1].source].flat().join('')).toContain('SELECT 21 AS n');
    expect(saved.cells[2].outputs).toHaveLength(1);
  });

  it('interrupts a running SQL task when the run is cancelled', async () => {
    await define(
      'heavy',
      `id: heavy\ntasks:\n  - { id: q, type: sql, sql: "SELECT count(*) FROM range(10000000000) a" }\n`,
    );
    const { runId } = await pipelines.trigger('heavy', {});
    await events.waitFor(
      'pipelines.onTaskChanged',
      (e) => e.taskInstance.runId === runId && e.taskInstance.state === 'running',
    );
    await new Promise((res) => setTimeout(res, 300));
    const t0 = Date.now();
    pipelines.cancelRun(runId);
    expect(await pipelines.waitForRun(runId)).toBe('failed');
    expect(Date.now() - t0).toBeLessThan(5000);
  });
});
