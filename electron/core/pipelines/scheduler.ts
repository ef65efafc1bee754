import { errorMessage } from '../../../shared/errors';
import { resolveParams } from '../../../shared/pipeline/parse';
import type { Pipeline, PipelineRun } from '../../../shared/pipeline/model';
import {
  interpretSchedule,
  intervalsEndingBetween,
  latestCompleteInterval,
  parsePipelineDate,
} from '../../../shared/pipeline/schedule';
import type { LogSink } from '../logs';
import { reportError } from '../runtime';
import type { PipelineDefinitions, PipelineFile } from './definitions';
import type { PipelineEngine } from './runner';
import type { PipelineRunStore } from './pipeline-run-store';

const SCHEDULER_INTERVAL_MS = 15_000;
/** A catchup or backfill creates at most this many runs at once. */
export const MAX_RUNS_PER_REQUEST = 5000;

/**
 * The scheduler: creates the scheduled pipeline runs that are due (cron intervals with or without catchup,
 * @once, @continuous) and looks again every few seconds. Each logical date gets one run at most.
 */
export class PipelineScheduler {
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly definitions: PipelineDefinitions,
    private readonly store: PipelineRunStore,
    private readonly engine: PipelineEngine,
    private readonly readDefinition: (id: string) => Promise<PipelineFile | null>,
    /** The logs service: each run the scheduler creates, and each look that failed. */
    private readonly logs: LogSink | null = null,
  ) {}

  private failed(what: string, err: unknown, pipelineId?: string): void {
    reportError(what, err);
    this.logs?.write({
      source: pipelineId ? { kind: 'scheduler', pipelineId } : { kind: 'scheduler' },
      level: 'error',
      message: `${what}: ${errorMessage(err)}`,
    });
  }

  /** Starts the scheduler: catchup now, then a look every few seconds. */
  async start(): Promise<number> {
    const created = await this.scheduleDue();
    this.timer = setInterval(
      () =>
        void this.scheduleDue().catch((err) => this.failed('the scheduler failed a look for due runs', err)),
      SCHEDULER_INTERVAL_MS,
    );
    this.timer.unref();
    return created;
  }

  /** A run ended: a @continuous pipeline starts its next one at once (while the scheduler runs). */
  runChanged(run: PipelineRun): void {
    if (!this.timer || (run.state !== 'success' && run.state !== 'failed')) return;
    setImmediate(() => {
      if (!this.timer) return;
      void this.definitions
        .read(run.pipelineId)
        .then((def) => {
          if (def.pipeline && this.timer && interpretSchedule(def.pipeline.schedule).kind === 'continuous')
            this.scheduleOne(def.pipeline, new Date());
        })
        .catch((err) =>
          this.failed(`the next run of ${run.pipelineId} could not be started`, err, run.pipelineId),
        );
    });
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /**
   * Creates the scheduled runs that are due at `now`: with catchup, every interval that ended since the last
   * scheduled run (or since start_date); without, only the latest one. Each logical date gets one run at most.
   */
  async scheduleDue(now = new Date()): Promise<number> {
    let created = 0;
    for (const id of await this.definitions.ids()) {
      const def = await this.readDefinition(id);
      if (!def?.pipeline) continue;
      created += this.scheduleOne(def.pipeline, now);
    }
    return created;
  }

  scheduleOne(pipeline: Pipeline, now: Date): number {
    const kind = interpretSchedule(pipeline.schedule);
    const params = resolveParams(pipeline, {});
    const tz = pipeline.timezone ?? 'UTC';
    let created = 0;
    const create = (start: Date, end: Date) => {
      const id = this.engine.createRun({
        pipeline,
        runType: 'scheduled',
        logicalDate: start,
        intervalStart: start,
        intervalEnd: end,
        params,
      });
      if (!id) return;
      created++;
      this.logs?.write({
        source: { kind: 'scheduler', pipelineId: pipeline.id },
        message: `scheduled run ${id} of ${pipeline.id} for ${start.toISOString()}`,
        fields: { runId: id, logicalDate: start.toISOString() },
      });
    };
    if (kind.kind === 'once') {
      if (this.store.hasScheduledRun(pipeline.id)) return 0;
      const start = pipeline.start_date ? parsePipelineDate(pipeline.start_date, tz) : now;
      if (start.getTime() <= now.getTime()) create(start, start);
      return created;
    }
    if (kind.kind === 'continuous') {
      if (this.engine.activeRunsOf(pipeline.id).length > 0) return 0;
      if (pipeline.start_date && parsePipelineDate(pipeline.start_date, tz).getTime() > now.getTime())
        return 0;
      create(now, now);
      return created;
    }
    if (kind.kind !== 'cron') return 0;
    const lastEnd = this.store.lastScheduledIntervalEnd(pipeline.id);
    if (pipeline.catchup) {
      const after = lastEnd ? new Date(lastEnd) : null;
      for (const i of intervalsEndingBetween(pipeline, after, now, MAX_RUNS_PER_REQUEST))
        create(i.start, i.end);
    } else {
      const latest = latestCompleteInterval(pipeline, now);
      if (latest && (!lastEnd || latest.end.getTime() > Date.parse(lastEnd)))
        create(latest.start, latest.end);
    }
    return created;
  }
}
