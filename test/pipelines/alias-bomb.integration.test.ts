import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { useCore } from '../support/core';
import { ALIAS_BOMB } from './alias-bomb';

const t = useCore('alias-bomb', {
  version: 'test',
  prepare: async (ws) => {
    await mkdir(path.join(ws, 'pipelines'), { recursive: true });
    await writeFile(
      path.join(ws, 'pipelines', 'good.yaml'),
      'id: good\ntasks:\n  - { id: hello, type: shell, command: "echo hello" }\n',
    );
    await writeFile(path.join(ws, 'pipelines', 'bomb.yaml'), ALIAS_BOMB);
    await writeFile(
      path.join(ws, 'pipelines', 'later.yaml'),
      'id: later\nschedule: "@daily"\ntasks:\n  - { id: a, type: shell, command: "true" }\n',
    );
  },
});
const { call } = t;

describe('a pipeline file that is an alias bomb', () => {
  it('is listed with its problem among the good pipelines, which keep working', async () => {
    const list = await call('pipelines.list', {});
    expect(list.map((p) => [p.id, p.problems])).toEqual([
      ['bomb', 1],
      ['good', 0],
      ['later', 0],
    ]);
    const bomb = await call('pipelines.get', { id: 'bomb' });
    expect(bomb.pipeline).toBeNull();
    expect(bomb.problems).toEqual([
      expect.objectContaining({
        code: 'PIPELINE_INVALID',
        file: 'pipelines/bomb.yaml',
        line: 3,
        column: 8,
        message: expect.stringContaining('alias bomb'),
      }),
    ]);
    const validated = await call('pipelines.validate', { id: 'bomb', yaml: ALIAS_BOMB });
    expect(validated.problems[0]).toMatchObject({ code: 'PIPELINE_INVALID', line: 3 });
    // The scheduler passes over it, and a good pipeline still runs.
    await expect(t.core.pipelines.scheduleDue()).resolves.toBeGreaterThanOrEqual(0);
    const { runId } = await call('pipelines.trigger', { id: 'good', params: {} });
    await expect(t.core.pipelines.waitForRun(runId)).resolves.toBe('success');
    await expect(call('pipelines.trigger', { id: 'bomb', params: {} })).rejects.toMatchObject({
      code: 'PIPELINE_INVALID',
    });
  });
});
