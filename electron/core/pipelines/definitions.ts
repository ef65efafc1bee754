import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { LakebenchError } from '../../../shared/errors';
import { NodePositionsSchema, type NodePosition, type Pipeline } from '../../../shared/pipeline/model';
import { parsePipelineYaml, type ParsedPipeline } from '../../../shared/pipeline/parse';
import { writeFileAtomic, type Workspace } from '../workspace';

export const PIPELINES_DIR = 'pipelines';
/** A file changed on disk if its mtime is newer than the editor's by more than this (coarse filesystems). */
const MTIME_SLACK_MS = 2;
const MAX_FILE_BYTES = 5_000_000;

export interface PipelineFile extends ParsedPipeline {
  id: string;
  /** Workspace-relative path. */
  file: string;
  yaml: string;
  mtimeMs: number;
}

/** The pipeline files of a workspace: `pipelines/<id>.yaml`, with editor positions in `<id>.layout.json`. */
export class PipelineDefinitions {
  constructor(private readonly workspace: Workspace) {}

  private get dir(): string {
    return path.join(this.workspace.root, PIPELINES_DIR);
  }

  fileOf(id: string): string {
    return `${PIPELINES_DIR}/${id}.yaml`;
  }

  private fullPath(id: string): string {
    return this.workspace.resolve(this.fileOf(id));
  }

  private layoutPath(id: string): string {
    return this.workspace.resolve(`${PIPELINES_DIR}/${id}.layout.json`);
  }

  /** Ids of every `pipelines/*.yaml` (and .yml) file, sorted. */
  async ids(): Promise<string[]> {
    // A workspace without a pipelines folder has no pipelines.
    const entries = await readdir(this.dir).catch(() => [] as string[]);
    return entries
      .filter((f) => /\.ya?ml$/.test(f) && !f.startsWith('.'))
      .map((f) => f.replace(/\.ya?ml$/, ''))
      .sort();
  }

  private async locate(id: string): Promise<string> {
    const yaml = this.fullPath(id);
    if (existsSync(yaml)) return yaml;
    const yml = yaml.replace(/\.yaml$/, '.yml');
    if (existsSync(yml)) return yml;
    throw new LakebenchError('NOT_FOUND', `There is no pipeline ${id} (${this.fileOf(id)})`, {
      file: this.fileOf(id),
    });
  }

  /** Reads and validates one pipeline file. */
  async read(id: string): Promise<PipelineFile> {
    const full = await this.locate(id);
    const info = await stat(full);
    if (info.size > MAX_FILE_BYTES) {
      throw new LakebenchError('PIPELINE_INVALID', `${this.workspace.relative(full)} is larger than 5 MB`, {
        file: this.workspace.relative(full),
      });
    }
    const yaml = await readFile(full, 'utf8');
    const file = this.workspace.relative(full);
    return { id, file, yaml, mtimeMs: info.mtimeMs, ...parsePipelineYaml(yaml, { file, expectedId: id }) };
  }

  /** A valid pipeline, or an error that names the first problem and where it is. */
  async load(id: string): Promise<Pipeline> {
    const def = await this.read(id);
    if (def.pipeline) return def.pipeline;
    const p = def.problems[0];
    const more = def.problems.length > 1 ? ` (and ${def.problems.length - 1} more problems)` : '';
    throw new LakebenchError('PIPELINE_INVALID', `${p.file}:${p.line}:${p.column}: ${p.message}${more}`, {
      file: p.file,
      line: p.line,
      column: p.column,
      ...(p.task ? { task: p.task } : {}),
    });
  }

  async save(
    id: string,
    yaml: string,
    baseMtimeMs: number | null,
    force: boolean,
  ): Promise<{ file: string; mtimeMs: number; problems: ParsedPipeline['problems'] }> {
    const full = this.fullPath(id);
    const existing = existsSync(full)
      ? full
      : existsSync(full.replace(/\.yaml$/, '.yml'))
        ? full.replace(/\.yaml$/, '.yml')
        : full;
    const file = this.workspace.relative(existing);
    // No file yet: nothing on disk to have changed.
    const current = await stat(existing).catch(() => null);
    if (current && !force && (baseMtimeMs === null || current.mtimeMs > baseMtimeMs + MTIME_SLACK_MS)) {
      throw new LakebenchError(
        'PIPELINE_CHANGED_ON_DISK',
        `${file} changed on disk since it was opened. Reload it, or save again to overwrite it.`,
        { file },
      );
    }
    const parsed = parsePipelineYaml(yaml, { file, expectedId: id });
    await mkdir(path.dirname(existing), { recursive: true });
    await writeFileAtomic(existing, yaml);
    const { mtimeMs } = await stat(existing);
    return { file, mtimeMs, problems: parsed.problems };
  }

  async create(id: string, yaml: string): Promise<{ id: string; file: string; mtimeMs: number }> {
    const full = this.fullPath(id);
    if (existsSync(full) || existsSync(full.replace(/\.yaml$/, '.yml'))) {
      throw new LakebenchError('ALREADY_EXISTS', `A pipeline ${id} exists already (${this.fileOf(id)})`, {
        file: this.fileOf(id),
      });
    }
    await mkdir(path.dirname(full), { recursive: true });
    await writeFileAtomic(full, yaml);
    const { mtimeMs } = await stat(full);
    return { id, file: this.fileOf(id), mtimeMs };
  }

  async delete(id: string): Promise<void> {
    const full = await this.locate(id);
    await unlink(full);
    // A pipeline never laid out in the editor has no layout file.
    await unlink(this.layoutPath(id)).catch(() => undefined);
  }

  /** Editor positions; a missing or broken layout file is no layout (the editor lays the graph out). */
  async positions(id: string): Promise<Record<string, NodePosition>> {
    const text = await readFile(this.layoutPath(id), 'utf8').catch(() => null);
    if (text === null) return {};
    try {
      const parsed = NodePositionsSchema.safeParse((JSON.parse(text) as { positions?: unknown }).positions);
      return parsed.success ? parsed.data : {};
    } catch {
      return {};
    }
  }

  async savePositions(id: string, positions: Record<string, NodePosition>): Promise<void> {
    await this.locate(id);
    // Sorted keys and one node per line keep the file's diffs small if someone commits it.
    const sorted = Object.fromEntries(
      Object.keys(positions)
        .sort()
        .map((k) => [k, { x: Math.round(positions[k].x), y: Math.round(positions[k].y) }]),
    );
    await writeFileAtomic(
      this.layoutPath(id),
      `${JSON.stringify({ version: 1, positions: sorted }, null, 2)}\n`,
    );
  }
}

/** The YAML of a new pipeline: one shell task, triggered by hand. */
export function newPipelineYaml(id: string, description?: string): string {
  const lines = [`id: ${id}`];
  if (description) lines.push(`description: ${JSON.stringify(description)}`);
  lines.push('schedule: null', 'tasks:', '  - id: hello', '    type: shell', '    command: echo hello', '');
  return lines.join('\n');
}
