import { TAG, type Run } from '../../shared/tracker/model';

/** The pipeline, pipeline run, task and try that produced a run. */
export interface PipelineProvenance {
  pipeline: string;
  /** The pipeline run's id (the Pipelines area's run). */
  pipelineRun: string | null;
  task: string | null;
  tryNumber: number | null;
  /** The pipeline file's version when the run started. */
  version: string | null;
}

/** Tags pipeline runs carried before the `lakebench.source.*` ones, still read for runs recorded then. */
const LEGACY = {
  run: 'lakebench.pipeline.run_id',
  task: 'lakebench.pipeline.task_id',
  try: 'lakebench.pipeline.try_number',
} as const;

/** Where a pipeline's run or one of its task tries came from; null for runs that no pipeline produced. */
export function pipelineProvenance(run: Run): PipelineProvenance | null {
  const s = run.info.source;
  if (s.kind !== 'pipeline') return null;
  const tags = run.tags;
  const pipeline = s.pipeline ?? /^pipelines\/(.+)\.ya?ml$/.exec(s.name ?? '')?.[1] ?? null;
  if (!pipeline) return null;
  const tryText = tags[TAG.sourceTry] ?? tags[LEGACY.try];
  return {
    pipeline,
    pipelineRun: s.pipelineRun ?? tags[LEGACY.run] ?? null,
    task: s.task ?? tags[LEGACY.task] ?? null,
    tryNumber: tryText && /^\d+$/.test(tryText) ? Number(tryText) : null,
    version: s.version,
  };
}

/** "pipeline daily_trips, task train, try 2", as the run page says what produced a run. */
export function describePipelineProvenance(p: PipelineProvenance): string {
  return [
    `pipeline ${p.pipeline}`,
    p.task !== null ? `task ${p.task}` : null,
    p.task !== null && p.tryNumber !== null ? `try ${p.tryNumber}` : null,
  ]
    .filter((part): part is string => part !== null)
    .join(', ');
}

/** A version short enough to read: a git commit's first 12 digits; a `sha256:` hash as recorded (16 digits). */
export function shortVersion(version: string): string {
  if (/^[0-9a-f]{40}$/.test(version)) return version.slice(0, 12);
  return version.length > 32 ? `${version.slice(0, 31)}…` : version;
}
