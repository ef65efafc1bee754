import type Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../electron/server';
import { toMlflowError } from '../../electron/server/mlflow/protocol';
import { useCore } from '../support/core';

/**
 * A full disk and a read-only database answer clear, stable errors that MLflow's clients do not retry for
 * minutes (they retry 429, 500, 502, 503 and 504), and the app's own API names them so the UI can say so.
 *
 * The failures are SQLite's own: `max_page_count` makes the next write that needs a page fail with SQLITE_FULL
 * exactly as a full disk does, and `query_only` makes every write fail with SQLITE_READONLY as a database on a
 * read-only file does (file modes alone do not stop a test that runs as root). Both are set on the tracker's own
 * connection, which the service keeps private, hence the cast.
 */

const t = useCore('tracker-storage');
let server: RunningServer;

function db(): Database.Database {
  return (t.core.tracker as unknown as { store: { db: Database.Database } }).store.db;
}

async function mlflow(
  endpoint: string,
  body: unknown,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`http://127.0.0.1:${server.port}/api/2.0/mlflow/${endpoint}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

const RETRIED = [429, 500, 502, 503, 504];

beforeAll(async () => {
  server = await startServer({ core: t.core, port: 0 });
});
afterAll(async () => {
  await server.close();
});

describe('storage failures of the run tracker', () => {
  it('answers a full disk with RESOURCE_EXHAUSTED (507) and DISK_FULL, and works again once there is room', async () => {
    const exp = t.core.tracker.createExperiment('disk-full');
    const run = t.core.tracker.createRun({ experimentId: exp.experimentId });
    const big = (prefix: string) => ({
      run_id: run.info.runId,
      params: Array.from({ length: 100 }, (_, i) => ({ key: `${prefix}${i}`, value: 'x'.repeat(6000) })),
    });
    const pages = db().pragma('page_count', { simple: true }) as number;
    db().pragma(`max_page_count = ${pages}`);
    try {
      const r = await mlflow('runs/log-batch', big('p'));
      expect(r.status).toBe(507);
      expect(RETRIED).not.toContain(r.status);
      expect(r.json.error_code).toBe('RESOURCE_EXHAUSTED');
      expect(r.json.message).toContain('disk');
      expect(r.json.message).toContain('full');
      const viaApi = await t.fails('tracker.setTag', {
        runId: run.info.runId,
        key: 'note',
        value: 'v'.repeat(8000),
      });
      expect(viaApi.code).toBe('DISK_FULL');
      // Nothing of the refused batch was stored.
      expect(t.core.tracker.getRun(run.info.runId).params).toEqual({});
    } finally {
      db().pragma('max_page_count = 4294967294');
    }
    expect((await mlflow('runs/log-batch', big('q'))).status).toBe(200);
  });

  it('answers a read-only database with PERMISSION_DENIED (403) and STORAGE_READ_ONLY', async () => {
    const exp = t.core.tracker.createExperiment('read-only');
    db().pragma('query_only = ON');
    try {
      const r = await mlflow('runs/create', { experiment_id: exp.experimentId });
      expect(r.status).toBe(403);
      expect(RETRIED).not.toContain(r.status);
      expect(r.json.error_code).toBe('PERMISSION_DENIED');
      expect(r.json.message).toContain('read-only');
      const viaApi = await t.fails('tracker.createExperiment', { name: 'ro', tags: {} });
      expect(viaApi.code).toBe('STORAGE_READ_ONLY');
      // Reads still answer.
      expect((await mlflow('experiments/search', {})).status).toBe(200);
    } finally {
      db().pragma('query_only = OFF');
    }
    expect((await mlflow('runs/create', { experiment_id: exp.experimentId })).status).toBe(200);
  });

  it('syncs every acknowledged write to disk (synchronous = FULL)', () => {
    expect(db().pragma('synchronous', { simple: true })).toBe(2);
    expect(db().pragma('journal_mode', { simple: true })).toBe('wal');
  });

  it('maps the file system spellings of the same failures', () => {
    const fs = (code: string) => Object.assign(new Error(`${code}: write failed`), { code });
    expect(toMlflowError(fs('ENOSPC'))).toMatchObject({ errorCode: 'RESOURCE_EXHAUSTED', status: 507 });
    expect(toMlflowError(fs('EROFS'))).toMatchObject({ errorCode: 'PERMISSION_DENIED', status: 403 });
    expect(toMlflowError(fs('EACCES'))).toMatchObject({ errorCode: 'INTERNAL_ERROR', status: 500 });
  });
});
