import { describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { findCycle, topologicalOrder, wouldCreateCycle, downstreamOf } from '../../shared/pipeline/graph';
import { effectiveTaskSettings, retryDelayMs, type Pipeline } from '../../shared/pipeline/model';
import { parsePipelineYaml, resolveParams } from '../../shared/pipeline/parse';
import { writePipelineYaml } from '../../shared/pipeline/write';
import { readEditorGraph } from '../../renderer/pipelines/graph-model';
import { ALIAS_BOMB } from './alias-bomb';

const HELLO = `id: hello
schedule: "@daily"
start_date: 2026-01-01
default_args: { retries: 1, retry_delay: 1s }
tasks:
  - { id: extract, type: shell, command: "echo 42" }
  - { id: load, type: sql, sql: "CREATE OR REPLACE TABLE hello AS SELECT 42 AS answer", depends_on: [extract] }
  - { id: report, type: python, code: "print('done')", depends_on: [load], trigger_rule: all_done }
`;

function problemsOf(text: string) {
  return parsePipelineYaml(text, { file: 'pipelines/p.yaml' }).problems.map(
    (p) => `${p.line}:${p.column} ${p.code} ${p.message}${p.task ? ` [${p.task}]` : ''}`,
  );
}

describe('pipeline validation', () => {
  it('accepts the smallest pipeline of the issue as written', () => {
    const r = parsePipelineYaml(HELLO, { file: 'pipelines/hello.yaml', expectedId: 'hello' });
    expect(r.problems).toEqual([]);
    expect(r.pipeline?.tasks.map((t) => t.id)).toEqual(['extract', 'load', 'report']);
    expect(r.sources.load.line).toBe(7);
  });

  it('names a cycle by its tasks and points at the dependency that closes it', () => {
    const text = `id: p
tasks:
  - id: load
    type: shell
    command: x
    depends_on: [clean]
  - id: clean
    type: shell
    command: y
    depends_on: [load]
`;
    const r = parsePipelineYaml(text, { file: 'pipelines/p.yaml' });
    expect(r.pipeline).toBeNull();
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]).toMatchObject({ code: 'PIPELINE_CYCLE', line: 10, column: 18, task: 'clean' });
    expect(r.problems[0].message).toBe('tasks load -> clean -> load form a cycle');
  });

  it('refuses unknown fields, duplicate ids, unknown dependencies and bad cron with their positions', () => {
    const text = `id: p
schedule: "61 * * * *"
colour: blue
tasks:
  - { id: a, type: shell, command: x, retires: 2 }
  - { id: a, type: shell, command: y }
  - { id: b, type: sql, sql: "select 1", depends_on: [nope] }
`;
    expect(problemsOf(text)).toEqual([
      '2:11 PIPELINE_BAD_SCHEDULE bad cron expression "61 * * * *": Invalid value for minute: 61',
      '3:1 PIPELINE_UNKNOWN_FIELD unknown field "colour"',
      '5:39 PIPELINE_UNKNOWN_FIELD unknown field "retires" of task a [a]',
      '6:11 PIPELINE_DUPLICATE_TASK task id "a" is used twice (first by task #1) [a]',
      '7:55 PIPELINE_UNKNOWN_DEPENDENCY task b depends on "nope", which is not a task of this pipeline [b]',
    ]);
  });

  it('explains wrong types, missing fields, bad durations, unknown task types and YAML syntax errors', () => {
    expect(problemsOf('id: p\ntasks:\n  - { id: a, type: shell }\n')).toEqual([
      '3:5 PIPELINE_INVALID command is required [a]',
    ]);
    expect(problemsOf('id: p\ntasks:\n  - { id: a, type: bash, command: x }\n')[0]).toContain(
      'unknown task type "bash": use sql, notebook, python or shell',
    );
    expect(
      problemsOf('id: p\ntasks:\n  - { id: a, type: shell, command: x, retry_delay: soon }\n')[0],
    ).toMatch(/^3:52 PIPELINE_INVALID retry_delay: a duration is like/);
    expect(problemsOf('id: p\ntasks:\n  - { id: a, type: sql }\n')[0]).toContain(
      'task a needs "sql" or "file"',
    );
    expect(problemsOf('id: p\ntasks: [\n')[0]).toMatch(/PIPELINE_YAML_SYNTAX/);
    expect(problemsOf('id: p\ntimezone: Mars/Base\ntasks: []\n')[0]).toContain(
      'unknown timezone "Mars/Base"',
    );
    expect(problemsOf('id: p\nschedule: "@fortnightly"\ntasks: []\n')[0]).toContain(
      'unknown schedule preset',
    );
    expect(problemsOf('id: p\nschedule: "0 0 * *"\ntasks: []\n')[0]).toContain('has 4');
  });

  it('accepts every Airflow preset and alias, and the Airflow 2 trigger rule names', () => {
    for (const s of [
      '@hourly',
      '@daily',
      '@weekly',
      '@monthly',
      '@quarterly',
      '@yearly',
      '@once',
      '@continuous',
      '@midnight',
      '@ANNUALLY',
      '0 0 * * MON#1',
    ])
      expect(problemsOf(`id: p\nschedule: "${s}"\ntasks: []\n`), s).toEqual([]);
    const r = parsePipelineYaml(
      'id: p\ntasks:\n  - { id: a, type: shell, command: x }\n  - { id: b, type: shell, command: x, depends_on: [a], trigger_rule: none_failed_or_skipped }\n',
    );
    expect(effectiveTaskSettings(r.pipeline as Pipeline, (r.pipeline as Pipeline).tasks[1]).triggerRule).toBe(
      'none_failed_min_one_success',
    );
  });

  it('refuses an id that does not match the file name', () => {
    const r = parsePipelineYaml(HELLO, { file: 'pipelines/other.yaml', expectedId: 'other' });
    expect(r.problems.map((p) => p.code)).toEqual(['PIPELINE_ID_MISMATCH']);
  });

  it('types params and converts command-line values', () => {
    const p = parsePipelineYaml(
      'id: p\nparams:\n  n: 5\n  name: { type: string, default: x, enum: [x, y] }\n  ok: true\ntasks: []\n',
    ).pipeline as Pipeline;
    expect(resolveParams(p, {})).toEqual({ n: 5, name: 'x', ok: true });
    expect(resolveParams(p, { n: '7', ok: 'false', name: 'y' })).toEqual({ n: 7, name: 'y', ok: false });
    expect(() => resolveParams(p, { n: 'seven' })).toThrow('param n: "seven" is not an integer');
    expect(() => resolveParams(p, { name: 'z' })).toThrow('is not one of "x", "y"');
    expect(() => resolveParams(p, { nope: 1 })).toThrow('unknown param "nope"');
  });
});

describe('graph', () => {
  const tasks = [
    { id: 'extract' },
    { id: 'clean', depends_on: ['extract'] },
    { id: 'features', depends_on: ['clean'] },
    { id: 'check', depends_on: ['clean'] },
    { id: 'train', depends_on: ['features', 'check'] },
  ];
  it('orders tasks after their dependencies, stably', () => {
    expect(topologicalOrder(tasks)).toEqual(['extract', 'clean', 'features', 'check', 'train']);
    expect(findCycle(tasks)).toBeNull();
  });
  it('says which cycle a proposed edge would close', () => {
    expect(wouldCreateCycle(tasks, 'train', 'extract')).toEqual([
      'train',
      'extract',
      'clean',
      'features',
      'train',
    ]);
    expect(wouldCreateCycle(tasks, 'extract', 'train')).toBeNull();
    expect(wouldCreateCycle(tasks, 'clean', 'clean')).toEqual(['clean', 'clean']);
  });
  it('finds everything downstream', () => {
    expect([...downstreamOf(tasks, ['clean'])].sort()).toEqual(['check', 'features', 'train']);
  });
  it('handles a 5,000-task chain without deep recursion', () => {
    const chain = Array.from({ length: 5000 }, (_, i) => ({
      id: `t${i}`,
      depends_on: i ? [`t${i - 1}`] : [],
    }));
    expect(topologicalOrder(chain)).toHaveLength(5000);
    expect(findCycle(chain)).toBeNull();
    expect(wouldCreateCycle(chain, 't4999', 't0')).toHaveLength(5001);
  });
});

describe('canonical writer', () => {
  it('saves an unchanged pipeline byte-identical', () => {
    const text = `# Our daily job\n${HELLO}# end\n`;
    const p = parsePipelineYaml(text).pipeline as Pipeline;
    expect(writePipelineYaml(text, structuredClone(p))).toBe(text);
  });

  it('keeps comments and key order and puts new keys in canonical order', () => {
    const text = `# Daily job
tasks: # the work
  - id: load # loads
    type: sql
    sql: select 1
  - id: clean
    depends_on: [load]
    type: shell
    command: echo hi
id: p
`;
    const p = parsePipelineYaml(text).pipeline as Pipeline;
    p.description = 'Loads and cleans';
    p.tasks[1].retries = 2;
    p.tasks.push({ id: 'report', type: 'python', code: 'print(1)\nprint(2)\n', depends_on: ['clean'] });
    const out = writePipelineYaml(text, p);
    expect(out).toContain('# Daily job');
    // yaml keeps a comment after a collection's key, on the line below it.
    expect(out).toContain('tasks:\n  # the work\n');
    expect(out).toContain('- id: load # loads');
    // The user's order (tasks before id) stays; description goes after id, where the canonical order puts it.
    expect(out.indexOf('tasks:')).toBeLessThan(out.indexOf('id: p'));
    expect(out.indexOf('id: p')).toBeLessThan(out.indexOf('description: Loads and cleans'));
    expect(out).toContain('    depends_on: [load]\n    type: shell\n    command: echo hi\n    retries: 2\n');
    expect(out).toContain(
      '  - id: report\n    type: python\n    code: |\n      print(1)\n      print(2)\n    depends_on:',
    );
    const again = parsePipelineYaml(out).pipeline;
    expect(again).toEqual(JSON.parse(JSON.stringify(p)));
    expect(writePipelineYaml(out, again as Pipeline)).toBe(out);
  });

  it('deletes removed keys and tasks, and writes a new file in canonical order', () => {
    const p = parsePipelineYaml(HELLO).pipeline as Pipeline;
    p.tasks = p.tasks.filter((t) => t.id !== 'report');
    delete p.default_args;
    const out = writePipelineYaml(HELLO, p);
    expect(out).not.toContain('report');
    expect(out).not.toContain('default_args');
    expect(parsePipelineYaml(out).pipeline).toEqual(JSON.parse(JSON.stringify(p)));
    const fresh = writePipelineYaml(null, {
      tasks: [{ type: 'shell', command: 'x', id: 'a' }],
      id: 'n',
      schedule: '@daily',
    });
    expect(fresh).toBe('id: n\nschedule: "@daily"\ntasks:\n  - id: a\n    type: shell\n    command: x\n');
    expect(parseDocument(fresh).errors).toEqual([]);
  });
});

describe('retry delays', () => {
  const base = (extra: string) =>
    effectiveTaskSettings(
      parsePipelineYaml(
        `id: p\ndefault_args: { retries: 5, retry_delay: 10s${extra} }\ntasks:\n  - { id: a, type: shell, command: x }\n`,
      ).pipeline as Pipeline,
      { id: 'a', type: 'shell', command: 'x' },
    );
  it('waits retry_delay between tries', () => {
    expect([1, 2, 3].map((n) => retryDelayMs(base(''), n))).toEqual([10_000, 10_000, 10_000]);
  });
  it('doubles with exponential backoff up to max_retry_delay', () => {
    const s = base(', retry_exponential_backoff: true, max_retry_delay: 1m');
    expect([1, 2, 3, 4, 5].map((n) => retryDelayMs(s, n))).toEqual([10_000, 20_000, 40_000, 60_000, 60_000]);
  });
  it('task settings override default_args', () => {
    const p = parsePipelineYaml(
      'id: p\ndefault_args: { retries: 3, execution_timeout: 1h }\ntasks:\n  - { id: a, type: shell, command: x, retries: 0, execution_timeout: 90s }\n',
    ).pipeline as Pipeline;
    expect(effectiveTaskSettings(p, p.tasks[0])).toMatchObject({
      retries: 0,
      executionTimeoutMs: 90_000,
      retryDelayMs: 300_000,
    });
  });
});

describe('a pipeline file that is an alias bomb', () => {
  it('is a positioned problem of the file for parsing, the editor graph and the writer, never a throw', () => {
    const parsed = parsePipelineYaml(ALIAS_BOMB, { file: 'pipelines/bomb.yaml', expectedId: 'bomb' });
    expect(parsed.pipeline).toBeNull();
    expect(parsed.problems).toEqual([
      expect.objectContaining({ code: 'PIPELINE_INVALID', file: 'pipelines/bomb.yaml', line: 3, column: 8 }),
    ]);
    const graph = readEditorGraph(ALIAS_BOMB);
    expect(graph.graph).toBeNull();
    expect(graph.blocked).toMatch(/alias bomb/);
    // The editor writes a fresh file for it rather than expanding the original to compare.
    const written = writePipelineYaml(ALIAS_BOMB, { id: 'bomb', tasks: [] } as unknown as Pipeline);
    expect(parsePipelineYaml(written).problems).toEqual([]);
  });

  it('still reads a file with a few aliases', () => {
    const yaml = `id: ok\ntasks:\n  - { id: a, type: shell, command: &c "echo hi" }\n  - { id: b, type: shell, command: *c }\n`;
    const parsed = parsePipelineYaml(yaml);
    expect(parsed.problems).toEqual([]);
    expect(parsed.pipeline?.tasks.map((t) => (t as { command: string }).command)).toEqual([
      'echo hi',
      'echo hi',
    ]);
  });
});
