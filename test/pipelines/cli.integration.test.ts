import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isProcessAlive } from '../../electron/core/runtime';
import { PipelineRunStore } from '../../electron/core/pipelines/pipeline-run-store';
import { tempDir } from '../support/temp';
import { ALIAS_BOMB } from './alias-bomb';

const CLI = path.join(process.cwd(), 'electron', 'cli.ts');
const ENTRY = `import(${JSON.stringify(CLI)}).then((m) => m.main(process.argv.slice(1)))`;

function cliArgs(args: string[]): string[] {
  return ['--import', 'tsx', '-e', ENTRY, ...args];
}

/** Runs the lakebench CLI from source as a child process, to completion. */
function lakebench(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, cliArgs(args), { encoding: 'utf8', timeout: 90_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ dir, cleanup } = await tempDir('lakebench-cli-'));
  await mkdir(path.join(dir, 'pipelines'), { recursive: true });
});
afterEach(async () => cleanup());

const waitFor = async (check: () => boolean, timeoutMs = 60_000) => {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 100));
  }
};

describe('lakebench CLI', () => {
  it('validate prints file:line:col: message per problem and exits non-zero', async () => {
    await writeFile(
      path.join(dir, 'pipelines', 'ok.yaml'),
      'id: ok\ntasks:\n  - { id: a, type: shell, command: x }\n',
    );
    await writeFile(
      path.join(dir, 'pipelines', 'bad.yaml'),
      'id: bad\ntasks:\n  - { id: load, type: shell, command: x, depends_on: [clean] }\n  - { id: clean, type: shell, command: y, depends_on: [load] }\n',
    );
    const r = lakebench(['validate', '--workspace', dir]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('pipelines/bad.yaml:4:56: tasks load -> clean -> load form a cycle\n');
    await writeFile(path.join(dir, 'pipelines', 'bad.yaml'), 'id: bad\ntasks: []\n');
    expect(lakebench(['validate', '--workspace', dir]).code).toBe(0);
  });

  it("validate reports an alias bomb as that file's problem, without a stack trace, and checks the rest", async () => {
    await writeFile(path.join(dir, 'pipelines', 'bomb.yaml'), ALIAS_BOMB);
    await writeFile(
      path.join(dir, 'pipelines', 'ok.yaml'),
      'id: ok\ntasks:\n  - { id: a, type: shell, command: x, depends_on: [missing] }\n',
    );
    const r = lakebench(['validate', '--workspace', dir]);
    expect(r.code).toBe(1);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(
      /^pipelines\/bomb\.yaml:3:8: its aliases expand past 1000 copies \(an alias bomb\)/,
    );
    expect(lines[1]).toMatch(/^pipelines\/ok\.yaml:3:\d+: /);
    expect(r.stderr).toBe('2 pipeline(s), 2 problem(s)\n');
    expect(r.stderr + r.stdout).not.toMatch(/\n\s+at /);
  });

  it('export-airflow writes a DAG that Python parses, with the same tasks, edges, schedule and rules', async () => {
    await writeFile(
      path.join(dir, 'pipelines', 'hello.yaml'),
      `id: hello
description: Says "hello"
schedule: "@weekly"
start_date: 2026-01-01
default_args: { retries: 1, retry_delay: 1s, execution_timeout: 10m }
tasks:
  - { id: extract, type: shell, command: "echo {{ ds }}" }
  - { id: load, type: sql, sql: "CREATE TABLE t AS SELECT {{ outputs.extract }}", depends_on: [extract] }
  - { id: report, type: python, code: "print('done \\"quoted\\"')\\nx = {'a': 1}", depends_on: [load], trigger_rule: none_failed_or_skipped }
  - { id: nb, type: notebook, notebook: notebooks/x.ipynb, depends_on: [extract, report] }
`,
    );
    for (const version of ['3', '2']) {
      const out = path.join(dir, `dag${version}.py`);
      const r = lakebench(['export-airflow', '--workspace', dir, 'hello', '-o', out, '--airflow', version]);
      expect(r.code, r.stderr).toBe(0);
      const check = spawnSync(
        existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3',
        [
          '-c',
          `import ast, json, sys
tree = ast.parse(open(sys.argv[1]).read())
tasks, edges, rules, sched = [], [], {}, None
for node in ast.walk(tree):
    if isinstance(node, ast.Call):
        kw = {k.arg: k.value for k in node.keywords}
        if 'task_id' in kw:
            tasks.append(kw['task_id'].value)
            if 'trigger_rule' in kw: rules[kw['task_id'].value] = kw['trigger_rule'].value
        if 'dag_id' in kw: sched = ast.unparse(kw['schedule'])
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.RShift):
        edges.append([node.left.id, node.right.id])
print(json.dumps({"tasks": tasks, "edges": edges, "rules": rules, "schedule": sched}))`,
          out,
        ],
        { encoding: 'utf8' },
      );
      expect(check.status, check.stderr).toBe(0);
      const parsed = JSON.parse(check.stdout) as {
        tasks: string[];
        edges: string[][];
        rules: Record<string, string>;
        schedule: string;
      };
      expect(parsed.tasks).toEqual(['extract', 'load', 'report', 'nb']);
      expect(parsed.edges.sort()).toEqual(
        [
          ['extract', 'load'],
          ['extract', 'nb'],
          ['load', 'report'],
          ['report', 'nb'],
        ].sort(),
      );
      expect(parsed.rules).toEqual({ report: 'none_failed_min_one_success' });
      expect(parsed.schedule).toBe(
        version === '3' ? "CronDataIntervalTimetable('0 0 * * 0', timezone='UTC')" : "'@weekly'",
      );
      const text = readFileSync(out, 'utf8');
      expect(text).toContain(version === '3' ? 'from airflow.sdk import DAG' : 'from airflow import DAG');
      expect(text).toContain('{{ ti.xcom_pull(task_ids=\\"extract\\") }}');
      expect(text).toContain('lakebench run-pipeline --workspace');
    }
  });

  it('run-pipeline prints task states and exits 0 on success and 1 on failure', async () => {
    await writeFile(
      path.join(dir, 'pipelines', 'p.yaml'),
      'id: p\nparams: { code: 0 }\ntasks:\n  - { id: a, type: shell, command: "exit {{ params.code }}" }\n',
    );
    const ok = lakebench(['run-pipeline', '--workspace', dir, 'p']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/a: running \(try 1\)/);
    expect(ok.stdout).toMatch(/p: success\n$/);
    const bad = lakebench([
      'run-pipeline',
      '--workspace',
      dir,
      'p',
      '--param',
      'code=3',
      '--date',
      '2026-01-01',
    ]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain('a: failed (try 1): task a exited with code 3');
    const typo = lakebench(['run-pipeline', '--workspace', dir, 'p', '--param', 'cod=3']);
    expect(typo.code).toBe(1);
    expect(typo.stderr).toContain('unknown param "cod"');
  });

  it('backfill --dry-run lists the runs it would create, and backfill runs them', async () => {
    await writeFile(
      path.join(dir, 'pipelines', 'bf.yaml'),
      'id: bf\nschedule: "@daily"\nstart_date: 2026-01-01\ntasks:\n  - { id: a, type: shell, command: "echo {{ ds }}" }\n',
    );
    const dry = lakebench([
      'backfill',
      '--workspace',
      dir,
      'bf',
      '--from',
      '2026-01-01',
      '--to',
      '2026-01-02',
      '--dry-run',
    ]);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain('bf: 2 interval(s), tasks a');
    expect(dry.stdout).toContain('create 2026-01-02T00:00:00.000Z .. 2026-01-03T00:00:00.000Z');
    expect(existsSync(path.join(dir, '.lakebench', 'pipelines.db'))).toBe(true);
    const real = lakebench([
      'backfill',
      '--workspace',
      dir,
      'bf',
      '--from',
      '2026-01-01',
      '--to',
      '2026-01-02',
    ]);
    expect(real.code, real.stderr).toBe(0);
    expect(real.stdout).toMatch(/backfill \S+: 2 succeeded, 0 failed/);
    const again = lakebench([
      'backfill',
      '--workspace',
      dir,
      'bf',
      '--from',
      '2026-01-01',
      '--to',
      '2026-01-02',
      '--dry-run',
    ]);
    expect(again.stdout).toContain('skip   2026-01-01T00:00:00.000Z');
  });

  it('after kill -9 mid-run, the next start fails the orphaned try, retries it and finishes the run once', async () => {
    const pidFile = path.join(dir, 'task.pid');
    const counter = path.join(dir, 'tries.txt');
    await writeFile(
      path.join(dir, 'pipelines', 'crash.yaml'),
      `id: crash
tasks:
  - id: long
    type: shell
    retries: 1
    retry_delay: 0
    command: "n=$(cat ${counter} 2>/dev/null || echo 0); n=$((n+1)); echo $n > ${counter}; if [ $n -eq 1 ]; then echo $$ > ${pidFile}; sleep 60; fi"
  - { id: after, type: shell, command: "echo after", depends_on: [long] }
`,
    );
    const args = ['run-pipeline', '--workspace', dir, 'crash', '--date', '2026-03-01'];
    const child: ChildProcess = spawn(process.execPath, cliArgs(args), { stdio: 'ignore' });
    await waitFor(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim() !== '');
    const taskPid = Number(readFileSync(pidFile, 'utf8'));
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    // The task's process group outlives the killed runner until recovery.
    expect(isProcessAlive(taskPid)).toBe(true);

    const again = lakebench(args);
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(again.stdout).toContain('already under way');
    expect(isProcessAlive(taskPid)).toBe(false);

    const store = new PipelineRunStore(path.join(dir, '.lakebench', 'pipelines.db'));
    try {
      const runs = store.listRuns('crash', 10);
      expect(runs).toHaveLength(1);
      expect(runs[0].state).toBe('success');
      const tries = store.triesOf(runs[0].runId, 'long', () => 0);
      expect(tries.map((t) => t.state)).toEqual(['failed', 'success']);
      expect(tries[0].error?.code).toBe('TASK_ORPHANED');
      expect(
        store
          .taskInstances(runs[0].runId)
          .map((t) => [t.taskId, t.state])
          .sort(),
      ).toEqual([
        ['after', 'success'],
        ['long', 'success'],
      ]);
    } finally {
      store.close();
    }
  });
});
