import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { useCore } from '../support/core';

const t = useCore('logs-service', {
  prepare: async (ws) => {
    await mkdir(path.join(ws, 'pipelines'), { recursive: true });
    await writeFile(
      path.join(ws, 'pipelines', 'broken.yaml'),
      `id: broken
tasks:
  - { id: greet, type: shell, command: "echo hello from greet" }
  - id: explode
    type: shell
    command: "echo warming up; echo 'disk on fire' >&2; exit 3"
    depends_on: [greet]
`,
    );
  },
});
const { call } = t;

async function runToEnd(id: string): Promise<string> {
  const finished = new Promise<void>((resolve) => {
    const stop = t.core.bus.subscribe((name, payload) => {
      const run = payload as { state: string };
      if (name === 'pipelines.onRunChanged' && (run.state === 'success' || run.state === 'failed')) {
        stop();
        resolve();
      }
    });
  });
  const { runId } = await call('pipelines.trigger', { id, logicalDate: '2026-03-01' });
  await finished;
  return runId;
}

describe('the logs service in the core', () => {
  it("indexes a pipeline run's lines as they are written; a failed task's error is found by its ids", async () => {
    const runId = await runToEnd('broken');
    await t.core.logs.flush();

    const errors = await call('logs.search', { kql: 'taskId:explode AND level:error' });
    expect(errors.hits).toHaveLength(1);
    const hit = errors.hits[0].record;
    expect(hit).toMatchObject({
      source: 'pipeline',
      stream: 'event',
      pipelineId: 'broken',
      runId,
      taskId: 'explode',
      tryNumber: 1,
    });
    expect(hit.message).toMatch(/^explode try 1 failed: /);

    // The same search as the structured query.
    const structured = await call('logs.search', {
      query: {
        kind: 'and',
        clauses: [
          { kind: 'match', field: 'taskId', value: 'explode' },
          { kind: 'match', field: 'level', value: 'error' },
        ],
      },
    });
    expect(structured.hits.map((h) => h.record.id)).toEqual([hit.id]);

    // The record links back to its try: its raw log's line, and the lines around it in the same try.
    const raw = await call('pipelines.readLog', { runId, taskId: 'explode', tryNumber: 1 });
    const rawLines = raw.text.split('\n');
    expect(rawLines[hit.line - 1]).toBe(`[lakebench] ${hit.message}`);
    const ctx = await call('logs.context', { id: hit.id, before: 10, after: 10 });
    expect(ctx.records.map((r) => r.message)).toContain('disk on fire');
    expect(ctx.records.map((r) => r.message)).toContain('warming up');
    expect(ctx.records.every((r) => r.taskId === 'explode' && r.runId === runId)).toBe(true);
    const stderr = ctx.records.find((r) => r.message === 'disk on fire');
    expect(stderr).toMatchObject({ stream: 'stderr', level: 'warn' });

    // The other task's output, by free text and by its task.
    const greet = await call('logs.search', { kql: '"hello from greet"', sort: 'oldest' });
    // The runner's line with the command (an event), then the command's output.
    expect(greet.hits.map((h) => [h.record.taskId, h.record.stream, h.record.message])).toEqual([
      ['greet', 'event', '$ echo hello from greet'],
      ['greet', 'stdout', 'hello from greet'],
    ]);
    const all = await call('logs.search', { kql: `runId:"${runId}" AND stream:stdout`, sort: 'oldest' });
    expect(all.hits.map((h) => h.record.message)).toEqual(['hello from greet', 'warming up']);
  }, 60_000);

  it('says where a mistake in query text is, as INVALID_PARAMETER_VALUE with its offset', async () => {
    await expect(call('logs.search', { kql: 'taskId:explode AND (level:error' })).rejects.toMatchObject({
      code: 'INVALID_PARAMETER_VALUE',
      location: { offset: 31 },
    });
    await expect(call('logs.histogram', { kql: 'levle:error' })).rejects.toMatchObject({
      code: 'INVALID_PARAMETER_VALUE',
      location: { offset: 0 },
    });
    const h = await call('logs.histogram', {
      kql: 'source:pipeline',
      range: { from: 0, to: Date.now() + 1 },
    });
    expect(h.buckets.reduce((n, b) => n + b.count, 0)).toBeGreaterThan(3);
  });
});
