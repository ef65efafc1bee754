import type Database from 'better-sqlite3';

/**
 * The tracker's schema, as numbered migrations. A database records the last one applied in `user_version`;
 * opening applies the rest in one transaction each, so a failed upgrade leaves the previous version intact.
 */
const MIGRATIONS: string[] = [
  // 1: MLflow's model, with a latest-value table beside the full metric history.
  `
  CREATE TABLE experiments (
    experiment_id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    artifact_location TEXT NOT NULL,
    lifecycle_stage TEXT NOT NULL DEFAULT 'active',
    creation_time INTEGER NOT NULL,
    last_update_time INTEGER NOT NULL
  );
  CREATE TABLE experiment_tags (
    experiment_id INTEGER NOT NULL REFERENCES experiments ON DELETE CASCADE,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (experiment_id, key)
  );
  CREATE TABLE runs (
    run_uuid TEXT PRIMARY KEY,
    experiment_id INTEGER NOT NULL REFERENCES experiments,
    name TEXT NOT NULL,
    user_id TEXT NOT NULL,
    status TEXT NOT NULL,
    start_time INTEGER NOT NULL,
    end_time INTEGER,
    lifecycle_stage TEXT NOT NULL DEFAULT 'active',
    deleted_time INTEGER,
    artifact_uri TEXT NOT NULL
  );
  CREATE INDEX runs_by_experiment ON runs (experiment_id, lifecycle_stage, start_time DESC);
  CREATE TABLE params (
    run_uuid TEXT NOT NULL REFERENCES runs ON DELETE CASCADE,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (run_uuid, key)
  ) WITHOUT ROWID;
  CREATE INDEX params_by_key ON params (key, value);
  CREATE TABLE tags (
    run_uuid TEXT NOT NULL REFERENCES runs ON DELETE CASCADE,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (run_uuid, key)
  ) WITHOUT ROWID;
  CREATE INDEX tags_by_key ON tags (key, value);
  -- value is NULL and is_nan 1 for NaN (SQLite has no NaN); the infinities are stored as such.
  CREATE TABLE metrics (
    run_uuid TEXT NOT NULL,
    key TEXT NOT NULL,
    step INTEGER NOT NULL,
    timestamp INTEGER NOT NULL,
    value REAL,
    is_nan INTEGER NOT NULL
  );
  CREATE INDEX metrics_by_run_key ON metrics (run_uuid, key, step, timestamp);
  CREATE TABLE latest_metrics (
    run_uuid TEXT NOT NULL REFERENCES runs ON DELETE CASCADE,
    key TEXT NOT NULL,
    step INTEGER NOT NULL,
    timestamp INTEGER NOT NULL,
    value REAL,
    is_nan INTEGER NOT NULL,
    PRIMARY KEY (run_uuid, key)
  ) WITHOUT ROWID;
  CREATE INDEX latest_metrics_by_key ON latest_metrics (key, value);
  CREATE TABLE inputs (
    run_uuid TEXT NOT NULL REFERENCES runs ON DELETE CASCADE,
    name TEXT NOT NULL,
    digest TEXT NOT NULL,
    source_type TEXT NOT NULL,
    source TEXT NOT NULL,
    schema TEXT,
    profile TEXT,
    context TEXT,
    tags_json TEXT NOT NULL DEFAULT '{}',
    PRIMARY KEY (run_uuid, name, digest)
  ) WITHOUT ROWID;
  CREATE TABLE registered_models (
    name TEXT PRIMARY KEY,
    description TEXT NOT NULL DEFAULT '',
    creation_time INTEGER NOT NULL,
    last_updated_time INTEGER NOT NULL
  );
  CREATE TABLE registered_model_tags (
    name TEXT NOT NULL REFERENCES registered_models ON DELETE CASCADE ON UPDATE CASCADE,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (name, key)
  ) WITHOUT ROWID;
  CREATE TABLE model_versions (
    name TEXT NOT NULL REFERENCES registered_models ON DELETE CASCADE ON UPDATE CASCADE,
    version INTEGER NOT NULL,
    creation_time INTEGER NOT NULL,
    last_updated_time INTEGER NOT NULL,
    stage TEXT NOT NULL DEFAULT 'None',
    description TEXT NOT NULL DEFAULT '',
    source TEXT NOT NULL,
    run_id TEXT,
    run_link TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (name, version)
  ) WITHOUT ROWID;
  CREATE INDEX model_versions_by_run ON model_versions (run_id);
  CREATE TABLE model_version_tags (
    name TEXT NOT NULL,
    version INTEGER NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (name, version, key),
    FOREIGN KEY (name, version) REFERENCES model_versions ON DELETE CASCADE ON UPDATE CASCADE
  ) WITHOUT ROWID;
  CREATE TABLE model_aliases (
    name TEXT NOT NULL REFERENCES registered_models ON DELETE CASCADE ON UPDATE CASCADE,
    alias TEXT NOT NULL,
    version INTEGER NOT NULL,
    PRIMARY KEY (name, alias)
  ) WITHOUT ROWID;
  -- The registry's history: kept when versions are deleted, so "what was in Production at T" stays answerable.
  CREATE TABLE model_events (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL REFERENCES registered_models ON DELETE CASCADE ON UPDATE CASCADE,
    version INTEGER NOT NULL,
    kind TEXT NOT NULL,
    from_stage TEXT,
    to_stage TEXT,
    alias TEXT,
    user TEXT NOT NULL,
    timestamp INTEGER NOT NULL,
    comment TEXT NOT NULL DEFAULT '',
    caused_by INTEGER
  );
  CREATE INDEX model_events_by_name ON model_events (name, timestamp);
  `,
  // 2: metric points keyed by an integer series (run, key), clustered by step: several times faster to insert
  // and to read a long history. Exact duplicates (same step, timestamp and value) are one point, as in MLflow.
  `
  CREATE TABLE metric_series (
    id INTEGER PRIMARY KEY,
    run_uuid TEXT NOT NULL REFERENCES runs ON DELETE CASCADE,
    key TEXT NOT NULL,
    UNIQUE (run_uuid, key)
  );
  CREATE TABLE metric_points (
    series INTEGER NOT NULL,
    step INTEGER NOT NULL,
    timestamp INTEGER NOT NULL,
    value REAL NOT NULL,
    is_nan INTEGER NOT NULL,
    PRIMARY KEY (series, step, timestamp, value, is_nan)
  ) WITHOUT ROWID;
  INSERT INTO metric_series (run_uuid, key) SELECT DISTINCT run_uuid, key FROM metrics;
  INSERT OR IGNORE INTO metric_points (series, step, timestamp, value, is_nan)
    SELECT s.id, m.step, m.timestamp, coalesce(m.value, 0), m.is_nan
    FROM metrics m JOIN metric_series s ON s.run_uuid = m.run_uuid AND s.key = m.key;
  DROP TABLE metrics;
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/** Applies the migrations after the database's version, up to `target` (all of them unless a test says less). */
export function migrate(db: Database.Database, now: number, target = SCHEMA_VERSION): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > SCHEMA_VERSION)
    throw new Error(
      `tracker.db has schema version ${current}, newer than this Lakebench knows (${SCHEMA_VERSION})`,
    );
  for (let v = current; v < target; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]);
      if (v === 0) {
        db.prepare(
          `INSERT INTO experiments (experiment_id, name, artifact_location, creation_time, last_update_time)
           VALUES (0, 'Default', 'mlflow-artifacts:/0', ?, ?)`,
        ).run(now, now);
      }
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
}
