import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { useCore } from '../support/core';

const t = useCore('logs-scheduler', {
  prepare: async (ws) => {
    await mkdir(path.join(ws, 'pipelines'), { recursive: true });
    await writeFile(
      path.join(ws, 'pipelines', 'nightly.yaml'),
      'id: nightly\nschedule: "@daily"\nstart_date: 2026-01-01\ncatchup: false\ntasks:\n  - { id: a, type: shell, command: "echo nightly" }\n',
    );
  },
});

describe("the scheduler's events in the logs", () => {
  it('records each run it creates, with the run id and logical date', async () => {
    const created = await t.core.pipelines.scheduleDue(new Date('2026-03-05T06:00:00Z'));
    expect(created).toBe(1);
    await t.core.logs.flush();
    const res = await t.call('logs.search', { kql: 'source:scheduler AND scheduled' });
    expect(res.hits).toHaveLength(1);
    const r = res.hits[0].record;
    expect(r.message).toBe(`scheduled run ${String(r.fields.runId)} of nightly for 2026-03-04T00:00:00.000Z`);
    expect(r).toMatchObject({ source: 'scheduler', pipelineId: 'nightly', level: 'info' });
    expect(r.fields).toMatchObject({ logicalDate: '2026-03-04T00:00:00.000Z' });
    const run = await t.call('pipelines.getRun', { runId: String(r.fields.runId) });
    expect(run.run.pipelineId).toBe('nightly');
    // The same logical date is not scheduled twice, and not logged twice.
    expect(await t.core.pipelines.scheduleDue(new Date('2026-03-05T07:00:00Z'))).toBe(0);
    await t.core.logs.flush();
    expect((await t.call('logs.search', { kql: 'source:scheduler' })).total.value).toBe(1);
  });
});
