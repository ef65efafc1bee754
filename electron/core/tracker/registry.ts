import { LakebenchError } from '../../../shared/errors';
import {
  MODEL_STAGES,
  type ModelEvent,
  type ModelStage,
  type ModelVersion,
  type RegisteredModel,
} from '../../../shared/tracker/model';
import { MODEL_VERSION_FIELDS, REGISTERED_MODEL_FIELDS } from '../../../shared/query';
import { canonicalStage, checkModelName, checkRegistryTag, localUser } from './registry-checks';
import { registryFilter } from './registry-filter';
import type { TrackerStore } from './store';
import { decodeToken, encodeToken } from './page-token';
import { invalid } from './validate';

interface VersionRow {
  name: string;
  version: number;
  creation_time: number;
  last_updated_time: number;
  stage: string;
  description: string;
  source: string;
  run_id: string | null;
  run_link: string;
}

interface ModelRow {
  name: string;
  description: string;
  creation_time: number;
  last_updated_time: number;
}

interface EventRow {
  id: number;
  name: string;
  version: number;
  kind: ModelEvent['kind'];
  from_stage: string | null;
  to_stage: string | null;
  alias: string | null;
  user: string;
  timestamp: number;
  comment: string;
  caused_by: number | null;
}

/** What a new model version is made from. */
export interface NewModelVersion {
  name: string;
  source: string;
  runId?: string | null;
  tags?: Record<string, string>;
  description?: string;
  runLink?: string;
}

/** The model registry: registered models, versions, stages with their full history, aliases and tags. */
export class ModelRegistry {
  constructor(private readonly store: TrackerStore) {}

  private get db() {
    return this.store.db;
  }

  private modelRow(name: string): ModelRow {
    const row = this.db
      .prepare<[string], ModelRow>('SELECT * FROM registered_models WHERE name = ?')
      .get(name);
    if (!row) throw new LakebenchError('NOT_FOUND', `Registered Model with name=${name} not found`);
    return row;
  }

  private versionRow(name: string, version: number): VersionRow {
    const row = this.db
      .prepare<[string, number], VersionRow>('SELECT * FROM model_versions WHERE name = ? AND version = ?')
      .get(name, version);
    if (!row)
      throw new LakebenchError('NOT_FOUND', `Model Version (name=${name}, version=${version}) not found`);
    return row;
  }

  private toVersion(row: VersionRow): ModelVersion {
    const tags: Record<string, string> = {};
    for (const t of this.db
      .prepare<[string, number], { key: string; value: string }>(
        'SELECT key, value FROM model_version_tags WHERE name = ? AND version = ?',
      )
      .all(row.name, row.version))
      tags[t.key] = t.value;
    const aliases = this.db
      .prepare<[string, number], { alias: string }>(
        'SELECT alias FROM model_aliases WHERE name = ? AND version = ? ORDER BY alias',
      )
      .all(row.name, row.version)
      .map((a) => a.alias);
    const run = row.run_id
      ? this.db
          .prepare<[string], { experiment_id: number; name: string }>(
            'SELECT experiment_id, name FROM runs WHERE run_uuid = ?',
          )
          .get(row.run_id)
      : undefined;
    return {
      name: row.name,
      version: row.version,
      creationTimestamp: row.creation_time,
      lastUpdatedTimestamp: row.last_updated_time,
      currentStage: canonicalStage(row.stage),
      description: row.description,
      source: row.source,
      runId: row.run_id,
      runExperimentId: run ? String(run.experiment_id) : null,
      runName: run ? run.name : null,
      status: 'READY',
      tags,
      aliases,
    };
  }

  private toModel(row: ModelRow): RegisteredModel {
    const tags: Record<string, string> = {};
    for (const t of this.db
      .prepare<[string], { key: string; value: string }>(
        'SELECT key, value FROM registered_model_tags WHERE name = ?',
      )
      .all(row.name))
      tags[t.key] = t.value;
    const aliases: Record<string, number> = {};
    for (const a of this.db
      .prepare<[string], { alias: string; version: number }>(
        'SELECT alias, version FROM model_aliases WHERE name = ? ORDER BY alias',
      )
      .all(row.name))
      aliases[a.alias] = a.version;
    const count = this.db
      .prepare<[string], { n: number }>('SELECT count(*) AS n FROM model_versions WHERE name = ?')
      .get(row.name) as { n: number };
    return {
      name: row.name,
      description: row.description,
      creationTimestamp: row.creation_time,
      lastUpdatedTimestamp: row.last_updated_time,
      tags,
      aliases,
      latestVersions: this.latestVersions(row.name, []),
      versionCount: count.n,
    };
  }

  private touch(name: string, version?: number): void {
    const now = Date.now();
    this.db.prepare('UPDATE registered_models SET last_updated_time = ? WHERE name = ?').run(now, name);
    if (version !== undefined)
      this.db
        .prepare('UPDATE model_versions SET last_updated_time = ? WHERE name = ? AND version = ?')
        .run(now, name, version);
  }

  private event(
    e: Omit<EventRow, 'id' | 'timestamp' | 'user'> & { user?: string; timestamp?: number },
  ): void {
    this.db
      .prepare(
        `INSERT INTO model_events (name, version, kind, from_stage, to_stage, alias, user, timestamp, comment, caused_by)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        e.name,
        e.version,
        e.kind,
        e.from_stage,
        e.to_stage,
        e.alias,
        e.user ?? localUser(),
        e.timestamp ?? Date.now(),
        e.comment,
        e.caused_by,
      );
  }

  // ---- registered models -------------------------------------------------------------------------------------

  createModel(name: string, tags: Record<string, string> = {}, description = ''): RegisteredModel {
    checkModelName(name);
    for (const [k, v] of Object.entries(tags)) checkRegistryTag(k, v);
    const now = Date.now();
    this.db.transaction(() => {
      if (this.db.prepare('SELECT 1 FROM registered_models WHERE name = ?').get(name))
        throw new LakebenchError('ALREADY_EXISTS', `Registered Model (name=${name}) already exists.`);
      this.db
        .prepare(
          'INSERT INTO registered_models (name, description, creation_time, last_updated_time) VALUES (?, ?, ?, ?)',
        )
        .run(name, description, now, now);
      const put = this.db.prepare('INSERT INTO registered_model_tags (name, key, value) VALUES (?, ?, ?)');
      for (const [k, v] of Object.entries(tags)) put.run(name, k, v);
    })();
    this.store.changedModels([name]);
    return this.getModel(name);
  }

  getModel(name: string): RegisteredModel {
    return this.toModel(this.modelRow(name));
  }

  renameModel(name: string, newName: string): RegisteredModel {
    this.modelRow(name);
    checkModelName(newName);
    this.db.transaction(() => {
      if (this.db.prepare('SELECT 1 FROM registered_models WHERE name = ?').get(newName))
        throw new LakebenchError('ALREADY_EXISTS', `Registered Model (name=${newName}) already exists.`);
      this.db.prepare('UPDATE registered_models SET name = ? WHERE name = ?').run(newName, name);
      this.touch(newName);
    })();
    this.store.changedModels([name, newName]);
    return this.getModel(newName);
  }

  updateModel(name: string, description: string): RegisteredModel {
    this.modelRow(name);
    this.db.transaction(() => {
      this.db.prepare('UPDATE registered_models SET description = ? WHERE name = ?').run(description, name);
      this.touch(name);
    })();
    this.store.changedModels([name]);
    return this.getModel(name);
  }

  deleteModel(name: string): void {
    this.modelRow(name);
    this.db.prepare('DELETE FROM registered_models WHERE name = ?').run(name);
    this.store.changedModels([name]);
  }

  setModelTag(name: string, key: string, value: string): void {
    this.modelRow(name);
    checkRegistryTag(key, value);
    this.db.transaction(() => {
      this.db
        .prepare(
          `INSERT INTO registered_model_tags (name, key, value) VALUES (?, ?, ?)
           ON CONFLICT (name, key) DO UPDATE SET value = excluded.value`,
        )
        .run(name, key, value);
      this.touch(name);
    })();
    this.store.changedModels([name]);
  }

  deleteModelTag(name: string, key: string): void {
    this.modelRow(name);
    const r = this.db.prepare('DELETE FROM registered_model_tags WHERE name = ? AND key = ?').run(name, key);
    if (r.changes === 0)
      throw new LakebenchError('NOT_FOUND', `No tag with key '${key}' on registered model ${name}`);
    this.store.changedModels([name]);
  }

  searchModels(
    filter: string,
    maxResults: number,
    pageToken: string | null,
  ): { models: RegisteredModel[]; nextPageToken: string | null } {
    const { sql, params } = registryFilter(filter, REGISTERED_MODEL_FIELDS);
    const offset = decodeToken(pageToken);
    const rows = this.db
      .prepare<unknown[], ModelRow>(
        `SELECT * FROM registered_models v WHERE ${sql} ORDER BY name LIMIT ? OFFSET ?`,
      )
      .all(...params, maxResults + 1, offset);
    const more = rows.length > maxResults;
    if (more) rows.pop();
    return {
      models: rows.map((r) => this.toModel(r)),
      nextPageToken: more ? encodeToken(offset + rows.length) : null,
    };
  }

  listModels(nameContains: string): RegisteredModel[] {
    return this.db
      .prepare<[string], ModelRow>(
        `SELECT * FROM registered_models WHERE instr(lower(name), lower(?)) > 0 ORDER BY name`,
      )
      .all(nameContains)
      .map((r) => this.toModel(r));
  }

  // ---- versions ----------------------------------------------------------------------------------------------

  createVersion(input: NewModelVersion): ModelVersion {
    this.modelRow(input.name);
    if (typeof input.source !== 'string' || input.source === '')
      throw invalid("Missing value for required parameter 'source'.");
    if (input.runId && !this.store.runExists(input.runId))
      throw new LakebenchError('NOT_FOUND', `Run with id=${input.runId} not found`);
    for (const [k, v] of Object.entries(input.tags ?? {})) checkRegistryTag(k, v);
    const now = Date.now();
    const version = this.db.transaction(() => {
      const next =
        (this.db
          .prepare<[string, string], { m: number | null }>(
            `SELECT max(version) AS m FROM (SELECT version FROM model_versions WHERE name = ?
               UNION ALL SELECT version FROM model_events WHERE name = ?)`,
          )
          .get(input.name, input.name)?.m ?? 0) + 1;
      this.db
        .prepare(
          `INSERT INTO model_versions (name, version, creation_time, last_updated_time, description, source, run_id, run_link)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          input.name,
          next,
          now,
          now,
          input.description ?? '',
          input.source,
          input.runId || null,
          input.runLink ?? '',
        );
      const put = this.db.prepare(
        'INSERT INTO model_version_tags (name, version, key, value) VALUES (?, ?, ?, ?)',
      );
      for (const [k, v] of Object.entries(input.tags ?? {})) put.run(input.name, next, k, v);
      this.event({
        name: input.name,
        version: next,
        kind: 'version_created',
        from_stage: null,
        to_stage: 'None',
        alias: null,
        comment: '',
        caused_by: null,
        timestamp: now,
      });
      this.touch(input.name);
      return next;
    })();
    this.store.changedModels([input.name]);
    return this.getVersion(input.name, version);
  }

  getVersion(name: string, version: number): ModelVersion {
    return this.toVersion(this.versionRow(name, version));
  }

  listVersions(name: string): ModelVersion[] {
    return this.db
      .prepare<[string], VersionRow>('SELECT * FROM model_versions WHERE name = ? ORDER BY version DESC')
      .all(name)
      .map((r) => this.toVersion(r));
  }

  updateVersion(name: string, version: number, description: string): ModelVersion {
    this.versionRow(name, version);
    this.db.transaction(() => {
      this.db
        .prepare('UPDATE model_versions SET description = ? WHERE name = ? AND version = ?')
        .run(description, name, version);
      this.touch(name, version);
    })();
    this.store.changedModels([name]);
    return this.getVersion(name, version);
  }

  deleteVersion(name: string, version: number): void {
    const row = this.versionRow(name, version);
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM model_aliases WHERE name = ? AND version = ?').run(name, version);
      this.db.prepare('DELETE FROM model_versions WHERE name = ? AND version = ?').run(name, version);
      this.event({
        name,
        version,
        kind: 'version_deleted',
        from_stage: row.stage,
        to_stage: null,
        alias: null,
        comment: '',
        caused_by: null,
      });
      this.touch(name);
    })();
    this.store.changedModels([name]);
  }

  searchVersions(
    filter: string,
    maxResults: number,
    pageToken: string | null,
  ): { versions: ModelVersion[]; nextPageToken: string | null } {
    const { sql, params } = registryFilter(filter, MODEL_VERSION_FIELDS);
    const offset = decodeToken(pageToken);
    const rows = this.db
      .prepare<unknown[], VersionRow>(
        `SELECT * FROM model_versions v WHERE ${sql} ORDER BY name, version DESC LIMIT ? OFFSET ?`,
      )
      .all(...params, maxResults + 1, offset);
    const more = rows.length > maxResults;
    if (more) rows.pop();
    return {
      versions: rows.map((r) => this.toVersion(r)),
      nextPageToken: more ? encodeToken(offset + rows.length) : null,
    };
  }

  /** The newest version in each of the given stages (all stages when none are given). */
  latestVersions(name: string, stages: string[]): ModelVersion[] {
    const wanted = stages.length ? stages.map(canonicalStage) : [...MODEL_STAGES];
    const out: ModelVersion[] = [];
    for (const stage of wanted) {
      const row = this.db
        .prepare<[string, string], VersionRow>(
          'SELECT * FROM model_versions WHERE name = ? AND stage = ? ORDER BY version DESC LIMIT 1',
        )
        .get(name, stage);
      if (row) out.push(this.toVersion(row));
    }
    return out.sort((a, b) => a.version - b.version);
  }

  setVersionTag(name: string, version: number, key: string, value: string): void {
    this.versionRow(name, version);
    checkRegistryTag(key, value);
    this.db
      .prepare(
        `INSERT INTO model_version_tags (name, version, key, value) VALUES (?, ?, ?, ?)
         ON CONFLICT (name, version, key) DO UPDATE SET value = excluded.value`,
      )
      .run(name, version, key, value);
    this.store.changedModels([name]);
  }

  deleteVersionTag(name: string, version: number, key: string): void {
    this.versionRow(name, version);
    const r = this.db
      .prepare('DELETE FROM model_version_tags WHERE name = ? AND version = ? AND key = ?')
      .run(name, version, key);
    if (r.changes === 0)
      throw new LakebenchError('NOT_FOUND', `No tag with key '${key}' on model version ${name}/${version}`);
    this.store.changedModels([name]);
  }

  // ---- stages, history, aliases ------------------------------------------------------------------------------

  transition(
    name: string,
    version: number,
    stage: string,
    archiveExisting: boolean,
    comment = '',
    user = localUser(),
  ): ModelVersion {
    const target = canonicalStage(stage);
    if (archiveExisting && target !== 'Staging' && target !== 'Production')
      throw invalid(
        `Model version transition cannot archive existing model versions because '${target}' is not an Active stage. Valid stages are Staging, Production`,
      );
    this.db.transaction(() => this.transitionInTx(name, version, target, archiveExisting, comment, user))();
    this.store.changedModels([name]);
    return this.getVersion(name, version);
  }

  private transitionInTx(
    name: string,
    version: number,
    target: ModelStage,
    archiveExisting: boolean,
    comment: string,
    user: string,
  ): void {
    const row = this.versionRow(name, version);
    const now = Date.now();
    if (archiveExisting) {
      const others = this.db
        .prepare<[string, string, number], VersionRow>(
          'SELECT * FROM model_versions WHERE name = ? AND stage = ? AND version != ?',
        )
        .all(name, target, version);
      for (const o of others) {
        this.db
          .prepare(
            `UPDATE model_versions SET stage = 'Archived', last_updated_time = ? WHERE name = ? AND version = ?`,
          )
          .run(now, name, o.version);
        this.event({
          name,
          version: o.version,
          kind: 'stage',
          from_stage: o.stage,
          to_stage: 'Archived',
          alias: null,
          comment: `archived when version ${version} moved to ${target}`,
          caused_by: version,
          user,
          timestamp: now,
        });
      }
    }
    this.db
      .prepare('UPDATE model_versions SET stage = ?, last_updated_time = ? WHERE name = ? AND version = ?')
      .run(target, now, name, version);
    this.event({
      name,
      version,
      kind: 'stage',
      from_stage: row.stage,
      to_stage: target,
      alias: null,
      comment,
      caused_by: null,
      user,
      timestamp: now,
    });
    this.touch(name);
  }

  history(name: string): ModelEvent[] {
    this.modelRow(name);
    return this.db
      .prepare<[string], EventRow>('SELECT * FROM model_events WHERE name = ? ORDER BY timestamp, id')
      .all(name)
      .map((e) => ({
        id: e.id,
        kind: e.kind,
        version: e.version,
        fromStage: e.from_stage === null ? null : canonicalStage(e.from_stage),
        toStage: e.to_stage === null ? null : canonicalStage(e.to_stage),
        alias: e.alias,
        user: e.user,
        timestamp: e.timestamp,
        comment: e.comment,
        causedByVersion: e.caused_by,
      }));
  }

  /** Replays the history up to `time`: the version that was in `stage` then, and since when. */
  versionAt(
    name: string,
    stage: ModelStage,
    time: number,
  ): { version: ModelVersion | null; since: number | null } {
    const events = this.history(name).filter((e) => e.timestamp <= time);
    const state = new Map<number, { stage: ModelStage; since: number }>();
    for (const e of events) {
      if (e.kind === 'version_created') state.set(e.version, { stage: 'None', since: e.timestamp });
      else if (e.kind === 'stage' && e.toStage)
        state.set(e.version, { stage: e.toStage, since: e.timestamp });
      else if (e.kind === 'version_deleted') state.delete(e.version);
    }
    let best: { version: number; since: number } | null = null;
    for (const [version, s] of state)
      if (
        s.stage === stage &&
        (!best || s.since > best.since || (s.since === best.since && version > best.version))
      )
        best = { version, since: s.since };
    if (!best) return { version: null, since: null };
    const row = this.db
      .prepare<[string, number], VersionRow>('SELECT * FROM model_versions WHERE name = ? AND version = ?')
      .get(name, best.version);
    return { version: row ? this.toVersion(row) : null, since: best.since };
  }

  /** Puts back the version that was in Production before the current one, archiving the current one. */
  rollbackProduction(
    name: string,
    comment = '',
    user = localUser(),
  ): { restored: ModelVersion; archived: ModelVersion | null } {
    this.modelRow(name);
    const result = this.db.transaction(() => {
      const current = this.db
        .prepare<[string], { version: number }>(
          `SELECT version FROM model_versions WHERE name = ? AND stage = 'Production'`,
        )
        .all(name)
        .map((r) => r.version);
      const entries = this.db
        .prepare<[string], { version: number }>(
          `SELECT e.version FROM model_events e JOIN model_versions v ON v.name = e.name AND v.version = e.version
           WHERE e.name = ? AND e.kind = 'stage' AND e.to_stage = 'Production' ORDER BY e.timestamp DESC, e.id DESC`,
        )
        .all(name);
      const previous = entries.find((e) => !current.includes(e.version));
      if (!previous) throw invalid(`Model '${name}' has no earlier Production version to roll back to.`);
      const archived = current.length ? Math.max(...current) : null;
      this.transitionInTx(
        name,
        previous.version,
        'Production',
        true,
        comment || `rolled back from version ${archived ?? 'none'}`,
        user,
      );
      return { restored: previous.version, archived };
    })();
    this.store.changedModels([name]);
    return {
      restored: this.getVersion(name, result.restored),
      archived: result.archived === null ? null : this.getVersion(name, result.archived),
    };
  }

  setAlias(name: string, alias: string, version: number): void {
    this.versionRow(name, version);
    if (
      typeof alias !== 'string' ||
      !/^[\w-]+$/.test(alias) ||
      /^v\d+$/i.test(alias) ||
      alias.toLowerCase() === 'latest'
    )
      throw invalid(
        `Invalid alias name '${String(alias)}'. Aliases are letters, digits, _ and -, and not v<number> or latest.`,
      );
    this.db.transaction(() => {
      this.db
        .prepare(
          `INSERT INTO model_aliases (name, alias, version) VALUES (?, ?, ?)
           ON CONFLICT (name, alias) DO UPDATE SET version = excluded.version`,
        )
        .run(name, alias, version);
      this.event({
        name,
        version,
        kind: 'alias_set',
        from_stage: null,
        to_stage: null,
        alias,
        comment: '',
        caused_by: null,
      });
      this.touch(name);
    })();
    this.store.changedModels([name]);
  }

  deleteAlias(name: string, alias: string): void {
    this.modelRow(name);
    const row = this.db
      .prepare<[string, string], { version: number }>(
        'SELECT version FROM model_aliases WHERE name = ? AND alias = ?',
      )
      .get(name, alias);
    if (!row) return;
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM model_aliases WHERE name = ? AND alias = ?').run(name, alias);
      this.event({
        name,
        version: row.version,
        kind: 'alias_deleted',
        from_stage: null,
        to_stage: null,
        alias,
        comment: '',
        caused_by: null,
      });
    })();
    this.store.changedModels([name]);
  }

  versionByAlias(name: string, alias: string): ModelVersion {
    this.modelRow(name);
    const row = this.db
      .prepare<[string, string], { version: number }>(
        'SELECT version FROM model_aliases WHERE name = ? AND alias = ?',
      )
      .get(name, alias);
    if (!row) throw invalid(`Registered model alias ${alias} not found.`);
    return this.getVersion(name, row.version);
  }
}
