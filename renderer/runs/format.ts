import { metricNumber, type MetricValue, type RunStatus } from '../../shared/tracker/model';

/** How the Runs area writes times, durations and numbers. */

export function formatTime(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '';
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** `850 ms`, `12.3 s`, `4m 05s`, `2h 03m`, `3d 4h`. */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms < 0) return '';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const pad = (n: number) => String(Math.floor(n)).padStart(2, '0');
  if (s < 3600) return `${Math.floor(s / 60)}m ${pad(s % 60)}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ${pad((s % 3600) / 60)}m`;
  return `${Math.floor(s / 86400)}d ${Math.floor((s % 86400) / 3600)}h`;
}

export function runDuration(
  startTime: number,
  endTime: number | null,
  status: RunStatus,
  now: number,
): number {
  if (endTime !== null) return endTime - startTime;
  return status === 'RUNNING' ? now - startTime : NaN;
}

/** A number in at most 6 significant digits, exponent form when very small or large. */
export function formatNumber(n: number | null | undefined): string {
  if (n === null || n === undefined) return '';
  if (Number.isNaN(n)) return 'NaN';
  if (!Number.isFinite(n)) return n > 0 ? 'Infinity' : '-Infinity';
  if (Number.isInteger(n) && Math.abs(n) < 1e15) return String(n);
  const a = Math.abs(n);
  if (a !== 0 && (a < 1e-4 || a >= 1e9)) return n.toExponential(4);
  return String(Number(n.toPrecision(6)));
}

export function formatMetric(v: MetricValue | undefined): string {
  return v === undefined ? '' : formatNumber(metricNumber(v));
}

export const STATUS_COLORS: Record<RunStatus, string> = {
  RUNNING: '#61afef',
  SCHEDULED: '#8b93a1',
  FINISHED: '#4ec98a',
  FAILED: '#f06c75',
  KILLED: '#e5c07b',
};

/** `metrics.rmse` style reference to a key, quoted with backticks when it is not a plain word. */
export function keyRef(entity: 'metrics' | 'params' | 'tags' | 'attributes', key: string): string {
  return /^[A-Za-z_][\w.]*$/.test(key) ? `${entity}.${key}` : `${entity}.\`${key}\``;
}

/** The short form of a run id shown in tables. */
export function shortId(runId: string): string {
  return runId.slice(0, 8);
}
