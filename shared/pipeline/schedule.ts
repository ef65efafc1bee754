import { Cron } from 'croner';
import cronstrue from 'cronstrue';
import { CRON_ALIASES, CRON_PRESETS, DATE_PATTERN, type Pipeline } from './model';

/**
 * Schedules with Airflow's data-interval meaning: a cron schedule cuts time into intervals at its ticks, and the
 * run for an interval starts when the interval ends. Its logical date (and `{{ ds }}`) is the interval's start.
 */

export type ScheduleKind =
  | { kind: 'none' }
  | { kind: 'once' }
  | { kind: 'continuous' }
  | { kind: 'cron'; cron: string; preset: string | null };

/** What a schedule as written means; throws an Error with a message when it is not a schedule. */
export function interpretSchedule(schedule: string | null | undefined): ScheduleKind {
  if (
    schedule === null ||
    schedule === undefined ||
    schedule.trim() === '' ||
    /^none$/i.test(schedule.trim())
  )
    return { kind: 'none' };
  const s = schedule.trim();
  if (s.startsWith('@')) {
    const lower = s.toLowerCase();
    if (lower === '@once') return { kind: 'once' };
    if (lower === '@continuous') return { kind: 'continuous' };
    const preset = CRON_ALIASES[lower] ?? lower;
    const cron = CRON_PRESETS[preset];
    if (!cron) {
      const known = [...Object.keys(CRON_PRESETS), '@once', '@continuous'].join(', ');
      throw new Error(`unknown schedule preset ${s}: use one of ${known}, or a cron expression`);
    }
    return { kind: 'cron', cron, preset };
  }
  const fields = s.split(/\s+/);
  if (fields.length !== 5) {
    throw new Error(
      `a cron expression has 5 fields (minute hour day-of-month month day-of-week), "${s}" has ${fields.length}`,
    );
  }
  try {
    new Cron(s, { paused: true });
  } catch (err) {
    const msg = err instanceof Error ? err.message.replace(/^CronPattern:\s*/, '') : String(err);
    throw new Error(`bad cron expression "${s}": ${msg}`);
  }
  return { kind: 'cron', cron: s, preset: null };
}

/** "At 00:00" for `@daily`; null when there is no schedule. */
export function describeSchedule(schedule: string | null | undefined): string | null {
  let kind: ScheduleKind;
  try {
    kind = interpretSchedule(schedule);
  } catch {
    return null;
  }
  switch (kind.kind) {
    case 'none':
      return null;
    case 'once':
      return 'Once';
    case 'continuous':
      return 'As soon as the previous run finishes';
    case 'cron':
      try {
        return cronstrue.toString(kind.cron, { use24HourTimeFormat: true, verbose: false });
      } catch {
        return kind.cron;
      }
    default: {
      const never: never = kind;
      return never;
    }
  }
}

/** Whether a timezone name is one this runtime knows (IANA names like Europe/Paris, or UTC). */
export function isValidTimezone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** The UTC offset of a timezone at an instant, in minutes. */
function offsetMinutes(tz: string, at: Date): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: tz,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(at);
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value);
  const asUtc = Date.UTC(
    get('year'),
    get('month') - 1,
    get('day'),
    get('hour'),
    get('minute'),
    get('second'),
  );
  return Math.round((asUtc - Math.floor(at.getTime() / 1000) * 1000) / 60_000);
}

/**
 * A date as written in a pipeline (`2026-01-01`, `2026-01-01T06:00`, or with an offset) as an instant. Dates
 * without an offset are wall-clock time in the pipeline's timezone.
 */
export function parsePipelineDate(text: string, timezone = 'UTC'): Date {
  if (!DATE_PATTERN.test(text)) throw new Error(`${text} is not a date like 2026-01-01 or 2026-01-01T06:00`);
  const norm = text.replace(' ', 'T');
  const hasOffset = /(Z|[+-]\d{2}:?\d{2})$/.test(norm) && norm.includes('T');
  if (hasOffset) {
    const d = new Date(norm);
    if (Number.isNaN(d.getTime())) throw new Error(`${text} is not a valid date`);
    return d;
  }
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?)?$/.exec(norm);
  if (!m) throw new Error(`${text} is not a valid date`);
  const [y, mo, d, h = '0', mi = '0', s = '0', ms = '0'] = m.slice(1);
  const wall = Date.UTC(+y, +mo - 1, +d, +h, +mi, +s, +ms.padEnd(3, '0'));
  const check = new Date(wall);
  if (check.getUTCMonth() !== +mo - 1 || check.getUTCDate() !== +d)
    throw new Error(`${text} is not a valid date`);
  // Two passes settle the offset around DST changes.
  let guess = wall - offsetMinutes(timezone, new Date(wall)) * 60_000;
  guess = wall - offsetMinutes(timezone, new Date(guess)) * 60_000;
  return new Date(guess);
}

export interface DataInterval {
  start: Date;
  end: Date;
}

function cronFor(schedule: string, timezone: string): Cron | null {
  const kind = interpretSchedule(schedule);
  if (kind.kind !== 'cron') return null;
  return new Cron(kind.cron, { timezone, paused: true });
}

/** The first cron tick at or after `at`. */
function tickAtOrAfter(cron: Cron, at: Date): Date | null {
  return cron.nextRun(new Date(at.getTime() - 1));
}

/**
 * The data intervals of a cron pipeline whose end lies in (after, upTo], oldest first, limited to the
 * pipeline's start and end dates. With no `after`, intervals begin at the first tick at or after start_date.
 */
export function intervalsEndingBetween(
  pipeline: Pick<Pipeline, 'schedule' | 'timezone' | 'start_date' | 'end_date'>,
  after: Date | null,
  upTo: Date,
  limit = 10_000,
): DataInterval[] {
  const tz = pipeline.timezone ?? 'UTC';
  const cron = pipeline.schedule ? cronFor(pipeline.schedule, tz) : null;
  if (!cron) return [];
  const startDate = pipeline.start_date ? parsePipelineDate(pipeline.start_date, tz) : null;
  const endDate = pipeline.end_date ? parsePipelineDate(pipeline.end_date, tz) : null;
  let start: Date | null;
  if (startDate) start = tickAtOrAfter(cron, startDate);
  else start = after ? tickAtOrAfter(cron, new Date(after.getTime() - 1)) : null;
  if (!start) return [];
  const out: DataInterval[] = [];
  // Skip quickly to the first interval that ends after `after`.
  if (after && start.getTime() < after.getTime()) {
    // The first interval that ends after `after` starts at the last tick at or before it.
    const prev = cron.previousRuns(1, new Date(after.getTime() + 1))[0];
    if (prev && prev.getTime() > start.getTime()) start = prev;
  }
  while (out.length < limit) {
    const end = cron.nextRun(start);
    if (!end || end.getTime() > upTo.getTime()) break;
    if (endDate && start.getTime() > endDate.getTime()) break;
    if (!after || end.getTime() > after.getTime()) out.push({ start, end });
    start = end;
  }
  return out;
}

/** The data interval whose start is a given logical date (backfills and `--date`). */
export function intervalStartingAt(
  pipeline: Pick<Pipeline, 'schedule' | 'timezone'>,
  logicalDate: Date,
): DataInterval {
  const cron = pipeline.schedule ? cronFor(pipeline.schedule, pipeline.timezone ?? 'UTC') : null;
  if (!cron) return { start: logicalDate, end: logicalDate };
  const start = tickAtOrAfter(cron, logicalDate) ?? logicalDate;
  const end = cron.nextRun(start) ?? start;
  return { start, end };
}

/** The data intervals whose start lies in [from, to] (a backfill's range), oldest first. */
export function intervalsStartingBetween(
  pipeline: Pick<Pipeline, 'schedule' | 'timezone'>,
  from: Date,
  to: Date,
  limit = 10_000,
): DataInterval[] {
  const cron = pipeline.schedule ? cronFor(pipeline.schedule, pipeline.timezone ?? 'UTC') : null;
  if (!cron) return [{ start: from, end: from }];
  const out: DataInterval[] = [];
  let start = tickAtOrAfter(cron, from);
  while (start && start.getTime() <= to.getTime() && out.length < limit) {
    const end = cron.nextRun(start);
    if (!end) break;
    out.push({ start, end });
    start = end;
  }
  return out;
}

/**
 * The data interval of the most recent complete interval at `now` (the one Airflow runs when catchup is off),
 * limited to start_date and end_date; null when none has ended.
 */
export function latestCompleteInterval(
  pipeline: Pick<Pipeline, 'schedule' | 'timezone' | 'start_date' | 'end_date'>,
  now: Date,
): DataInterval | null {
  const tz = pipeline.timezone ?? 'UTC';
  const cron = pipeline.schedule ? cronFor(pipeline.schedule, tz) : null;
  if (!cron) return null;
  const [end, start] = cron.previousRuns(2, new Date(now.getTime() + 1));
  if (!end || !start) return null;
  if (pipeline.start_date && start.getTime() < parsePipelineDate(pipeline.start_date, tz).getTime())
    return null;
  if (pipeline.end_date && start.getTime() > parsePipelineDate(pipeline.end_date, tz).getTime()) return null;
  return { start, end };
}

/** When the next run of a cron pipeline starts after `now` (the end of the next interval); null when none. */
export function nextRunAt(
  pipeline: Pick<Pipeline, 'schedule' | 'timezone' | 'start_date' | 'end_date'>,
  now: Date,
): Date | null {
  const tz = pipeline.timezone ?? 'UTC';
  let cron: Cron | null;
  try {
    cron = pipeline.schedule ? cronFor(pipeline.schedule, tz) : null;
  } catch {
    return null;
  }
  if (!cron) return null;
  const startDate = pipeline.start_date ? parsePipelineDate(pipeline.start_date, tz) : null;
  let start = cron.previousRuns(1, new Date(now.getTime() + 1))[0] ?? now;
  if (startDate && start.getTime() < startDate.getTime()) start = tickAtOrAfter(cron, startDate) ?? start;
  if (pipeline.end_date && start.getTime() > parsePipelineDate(pipeline.end_date, tz).getTime()) return null;
  return cron.nextRun(start);
}
