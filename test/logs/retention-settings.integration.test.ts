import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LakebenchCore } from '../../electron/core/app';
import { retentionFromSettings } from '../../electron/core/logs';
import { useCore } from '../support/core';
import { tempDir } from '../support/temp';

describe('the logs retention of lakebench.yaml', () => {
  it('reads days and max_mb, with the defaults for what is left out, and names a bad value', () => {
    expect(retentionFromSettings({})).toEqual({ maxAgeDays: 30, maxSizeMb: 1000 });
    expect(retentionFromSettings({ logs: null })).toEqual({ maxAgeDays: 30, maxSizeMb: 1000 });
    expect(retentionFromSettings({ logs: { retention: { days: 7 } } })).toEqual({
      maxAgeDays: 7,
      maxSizeMb: 1000,
    });
    expect(retentionFromSettings({ logs: { retention: { days: null, max_mb: 50 } } })).toEqual({
      maxAgeDays: null,
      maxSizeMb: 50,
    });
    expect(() => retentionFromSettings({ logs: { retention: { days: -1 } } })).toThrow(
      /lakebench\.yaml: logs\.retention\.days: /,
    );
    expect(() => retentionFromSettings({ logs: { retention: { dayz: 3 } } })).toThrow(/logs\.retention/);
  });

  const t = useCore('logs-retention', {
    prepare: async (ws) => {
      await mkdir(ws, { recursive: true });
      await writeFile(path.join(ws, 'lakebench.yaml'), 'version: 1\nlogs:\n  retention:\n    days: 1\n');
    },
  });

  it("applies the workspace's policy: records older than its days are deleted", async () => {
    const now = Date.now();
    const source = { kind: 'app' as const, component: 'test' };
    t.core.logs.write({ source, time: now - 3 * 86_400_000, message: 'three days old' });
    t.core.logs.write({ source, time: now - 3_600_000, message: 'an hour old' });
    await t.core.logs.flush();
    const preview = await t.call('logs.retentionPreview', {});
    expect(preview.policy).toEqual({ maxAgeDays: 1, maxSizeMb: 1000 });
    expect(preview.delete.byAge).toBe(1);
    expect(await t.core.logs.applyRetention()).toEqual({ deleted: 1 });
    const left = await t.call('logs.search', { kql: 'component:test' });
    expect(left.hits.map((h) => h.record.message)).toEqual(['an hour old']);
  });

  it('refuses to open a workspace whose logs settings are wrong, saying where', async () => {
    const { dir, cleanup } = await tempDir('lakebench-logs-bad-settings-');
    try {
      await writeFile(
        path.join(dir, 'lakebench.yaml'),
        'version: 1\nlogs:\n  retention:\n    max_mb: lots\n',
      );
      await expect(LakebenchCore.open({ version: '0', workspacePath: dir })).rejects.toMatchObject({
        code: 'WORKSPACE_INVALID_SETTINGS',
        message: expect.stringMatching(/lakebench\.yaml: logs\.retention\.max_mb: /),
      });
    } finally {
      await cleanup();
    }
  });
});
