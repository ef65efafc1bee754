import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { useCore } from '../support/core';

const previousPython = process.env.LAKEBENCH_PYTHON;
process.env.LAKEBENCH_PYTHON = '/usr/bin/python3';
afterAll(() => {
  if (previousPython === undefined) delete process.env.LAKEBENCH_PYTHON;
  else process.env.LAKEBENCH_PYTHON = previousPython;
});

const NB = 'notebooks/logs.ipynb';
const t = useCore('logs-kernel', {
  prepare: async (ws) => {
    await mkdir(path.join(ws, 'notebooks'), { recursive: true });
    await writeFile(
      path.join(ws, NB),
      JSON.stringify({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [] }),
    );
  },
});

describe("notebook cells' outputs in the logs", () => {
  it('records stdout and stderr lines and an error with its traceback, by notebook and cell', async () => {
    const finished = new Promise<void>((resolve) => {
      const stop = t.core.bus.subscribe((name, payload) => {
        if (
          name === 'kernels.onExecutionFinished' &&
          (payload as { executionId: string }).executionId === 'x1'
        ) {
          stop();
          resolve();
        }
      });
    });
    await t.call('kernels.execute', {
      notebook: NB,
      cellId: 'cell-7',
      executionId: 'x1',
      code: "import sys\nprint('epoch 1 loss 0.5')\nprint('epoch 2 loss 0.25')\nprint('nan warning', file=sys.stderr)\nraise ValueError('bad input shape')",
    });
    await finished;
    await t.core.logs.flush();
    const res = await t.call('logs.search', { kql: 'cellId:"cell-7"', sort: 'oldest' });
    const records = res.hits.map((h) => h.record);
    expect(records.map((r) => [r.stream, r.level, r.message])).toEqual([
      ['stdout', 'info', 'epoch 1 loss 0.5'],
      ['stdout', 'info', 'epoch 2 loss 0.25'],
      ['stderr', 'warn', 'nan warning'],
      ['event', 'error', 'ValueError: bad input shape'],
    ]);
    for (const r of records)
      expect(r).toMatchObject({ source: 'notebook', notebook: NB, fields: { executionId: 'x1' } });
    expect(String(records[3].fields.traceback)).toContain('bad input shape');
    expect(String(records[3].fields.traceback)).not.toContain('\u001b[');

    const errors = await t.call('logs.search', { kql: `notebook:"${NB}" AND level:error` });
    expect(errors.hits.map((h) => h.record.message)).toEqual(['ValueError: bad input shape']);
    const started = await t.call('logs.search', { kql: 'source:kernel' });
    expect(started.hits.map((h) => h.record.message)).toContain(`kernel of ${NB} starting`);
  }, 120_000);
});
