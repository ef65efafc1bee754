import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LakebenchCore } from '../../electron/core/app';
import { tempDir } from '../support/temp';

async function until<T>(what: string, fn: () => Promise<T | null>, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== null) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('the logs of an unfinished run after a restart', () => {
  it("fills what the index lacks from the tries' raw logs when the pipelines open", async () => {
    const { dir, cleanup } = await tempDir('lakebench-logs-gap-');
    const ws = path.join(dir, 'ws');
    await mkdir(path.join(ws, 'pipelines'), { recursive: true });
    await writeFile(
      path.join(ws, 'pipelines', 'slow.yaml'),
      'id: slow\ntasks:\n  - { id: work, type: shell, command: "echo line one; echo line two; sleep 60" }\n',
    );
    let core = await LakebenchCore.open({ version: '0', workspacePath: ws });
    try {
      const { runId } = await core.host
        .dispatch('pipelines.trigger', { id: 'slow', logicalDate: '2026-03-01' }, { clientId: 't' })
        .then((r) => {
          if (!r.ok) throw new Error(JSON.stringify(r));
          return r.value as { runId: string };
        });
      const first = core;
      await until('the second line in the raw log', async () => {
        // The try is not there until the runner queued it.
        const log = await first.pipelines
          .readLog({ runId, taskId: 'work', tryNumber: 1, offset: 0, maxBytes: 100_000 })
          .catch((err: { code?: string }) => {
            if (err.code === 'NOT_FOUND') return null;
            throw err;
          });
        return log?.text.includes('line two') ? log : null;
      });
      // Closing stops the try; the run stays unfinished. The index then loses everything (as if the writer had
      // crashed before committing), while the raw log keeps it.
      await core.close();
      for (const f of ['logs.db', 'logs.db-wal', 'logs.db-shm'])
        await rm(path.join(ws, '.lakebench', f), { force: true });

      core = await LakebenchCore.open({ version: '0', workspacePath: ws });
      const again = core;
      const hits = await until('the first try indexed again', async () => {
        const res = await again.logs.search({
          query: {
            kind: 'and',
            clauses: [
              { kind: 'match', field: 'runId', value: runId },
              { kind: 'match', field: 'tryNumber', value: 1 },
            ],
          },
          range: { from: null, to: null },
          sort: 'oldest',
          limit: 100,
          cursor: null,
        });
        return res.hits.some((h) => h.record.message === 'line two') ? res.hits : null;
      });
      const messages = hits.map((h) => h.record.message);
      expect(messages[0]).toMatch(/^work try 1 of 1 started at /);
      expect(messages.slice(1, 4)).toEqual([
        '$ echo line one; echo line two; sleep 60',
        'line one',
        'line two',
      ]);
      expect(hits.map((h) => h.record.line)).toEqual(hits.map((_, i) => i + 1));
      expect(hits.every((h) => h.record.taskId === 'work' && h.record.pipelineId === 'slow')).toBe(true);
    } finally {
      await core.close();
      await cleanup();
    }
  }, 120_000);
});
