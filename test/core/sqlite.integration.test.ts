import path from 'node:path';
import { existsSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../electron/core/sqlite';
import { tempDir } from '../support/temp';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await tempDir()));
afterEach(async () => {
  delete process.env.LAKEBENCH_SQLITE_BINDING;
  await cleanup();
});

describe('openDatabase', () => {
  it('opens in WAL mode with FTS5 available', () => {
    const db = openDatabase(path.join(dir, 'x.db'));
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.exec("CREATE VIRTUAL TABLE t USING fts5(body); INSERT INTO t VALUES ('the quick brown fox')");
    expect(db.prepare("SELECT count(*) AS n FROM t WHERE t MATCH 'quick'").get()).toEqual({ n: 1 });
    db.close();
  });

  it('loads the addon named by LAKEBENCH_SQLITE_BINDING, as the desktop app does', () => {
    process.env.LAKEBENCH_SQLITE_BINDING = path.join(dir, 'no-such-addon.node');
    expect(existsSync(process.env.LAKEBENCH_SQLITE_BINDING)).toBe(false);
    expect(() => openDatabase(path.join(dir, 'y.db'))).toThrow(/no-such-addon\.node/);
  });
});
