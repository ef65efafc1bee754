import { useEffect, useMemo, useState } from 'react';
import { checkParamValue } from '../../shared/pipeline/parse';
import { paramType, type ParamSpec, type Pipeline, type ScalarValue } from '../../shared/pipeline/model';
import type { PlannedRun } from '../../shared/pipeline/contract';
import { toErrorData } from '../../shared/errors';
import { client } from '../api';
import { notify, reportError } from '../state/toasts';
import { testIds } from '../testids';
import { Modal } from './Modal';
import { selectRun } from './runs-store';
import { formatInZone } from './run-views';
import { flush } from './store';
import { pipelineTestIds as ids } from './testids';

type Param = NonNullable<Pipeline['params']>[string];

function specOf(p: Param): ParamSpec {
  return p !== null && typeof p === 'object' ? p : { type: paramType(p), default: p };
}

/** Starts a manual run; its id is selected so the Graph and Grid follow it live. */
export async function triggerRun(
  pipeline: Pipeline,
  params: Record<string, ScalarValue> = {},
  logicalDate?: string,
): Promise<boolean> {
  try {
    await flush();
    const r = await client.call('pipelines.trigger', {
      id: pipeline.id,
      params,
      ...(logicalDate ? { logicalDate } : {}),
    });
    selectRun(r.runId);
    notify('Run started', `${pipeline.id}: ${r.runId}`);
    return true;
  } catch (err) {
    reportError(`Could not start ${pipeline.id}`, err);
    return false;
  }
}

/** "integer · 1 to 1000 · default 10 · Rows in the report": what a value may be, before it is typed. */
function paramHint(s: ParamSpec): string {
  const range =
    s.minimum !== undefined && s.maximum !== undefined
      ? `${s.minimum} to ${s.maximum}`
      : s.minimum !== undefined
        ? `at least ${s.minimum}`
        : s.maximum !== undefined
          ? `at most ${s.maximum}`
          : null;
  return [
    s.type,
    range,
    s.default !== undefined && s.default !== null ? `default ${JSON.stringify(s.default)}` : null,
    s.description,
  ]
    .filter(Boolean)
    .join(' · ');
}

/** Param overrides for a manual run, one typed input per param, checked as typed. */
export function RunDialog({ pipeline, onClose }: { pipeline: Pipeline; onClose(): void }) {
  const specs = useMemo(
    () => Object.entries(pipeline.params ?? {}).map(([name, p]) => [name, specOf(p)] as const),
    [pipeline],
  );
  const [values, setValues] = useState<Record<string, ScalarValue>>(() =>
    Object.fromEntries(specs.map(([name, s]) => [name, s.default ?? null])),
  );
  const [date, setDate] = useState('');
  const [busy, setBusy] = useState(false);
  const problems = specs
    .map(([name, s]) => [name, checkParamValue(s, values[name])] as const)
    .filter(([, p]) => p);
  return (
    <Modal title={`Run ${pipeline.id}`} onClose={onClose} wide testId={ids.runDialog}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (problems.length || busy) return;
          setBusy(true);
          void triggerRun(pipeline, values, date || undefined).then((ok) =>
            ok ? onClose() : setBusy(false),
          );
        }}
      >
        {specs.map(([name, s]) => {
          const v = values[name];
          const setV = (x: ScalarValue) => setValues({ ...values, [name]: x });
          const problem = problems.find(([n]) => n === name)?.[1];
          return (
            <label className="form-field" key={name}>
              <span>
                <code>{name}</code> <span className="muted">{paramHint(s)}</span>
              </span>
              {s.enum ? (
                <select
                  className="input"
                  data-testid={ids.runParam(name)}
                  value={JSON.stringify(v)}
                  onChange={(e) => setV(JSON.parse(e.target.value) as ScalarValue)}
                >
                  {s.enum.map((opt) => (
                    <option key={JSON.stringify(opt)} value={JSON.stringify(opt)}>
                      {String(opt)}
                    </option>
                  ))}
                </select>
              ) : s.type === 'boolean' ? (
                <input
                  type="checkbox"
                  data-testid={ids.runParam(name)}
                  checked={v === true}
                  onChange={(e) => setV(e.target.checked)}
                />
              ) : (
                <input
                  className="input mono"
                  data-testid={ids.runParam(name)}
                  type={s.type === 'string' ? 'text' : 'number'}
                  step={s.type === 'integer' ? 1 : 'any'}
                  min={s.minimum}
                  max={s.maximum}
                  value={v === null ? '' : String(v)}
                  onChange={(e) =>
                    setV(
                      s.type === 'string'
                        ? e.target.value
                        : e.target.value === ''
                          ? null
                          : Number(e.target.value),
                    )
                  }
                />
              )}
              {problem && (
                <span className="form-problem" data-testid={ids.runParamProblem(name)}>
                  {problem}
                </span>
              )}
            </label>
          );
        })}
        <label className="form-field">
          <span>Logical date (empty: now)</span>
          <input
            className="input mono"
            data-testid={ids.runLogicalDate}
            placeholder="2026-01-01"
            value={date}
            onChange={(e) => setDate(e.target.value.trim())}
          />
        </label>
        <div className="dialog-buttons">
          <button type="button" className="btn" data-testid={testIds.dialogCancel} onClick={onClose}>
            Cancel
          </button>
          <button
            type="submit"
            className="btn btn-primary"
            data-testid={ids.runConfirm}
            disabled={problems.length > 0 || busy}
          >
            Run
          </button>
        </div>
      </form>
    </Modal>
  );
}

const today = () => new Date().toISOString().slice(0, 10);
const daysAgo = (n: number) => new Date(Date.now() - n * 86_400_000).toISOString().slice(0, 10);
/** The task checkboxes shown at once; a filter finds the others in a large pipeline. */
const MAX_TASK_CHOICES = 200;

function actionText(r: PlannedRun): string {
  switch (r.action) {
    case 'create':
      return 'new run';
    case 'rerun':
      return `clear and rerun ${r.taskIds.length} task${r.taskIds.length === 1 ? '' : 's'}`;
    case 'fill':
      return `adds and runs ${listed(r.taskIds)}`;
    case 'skip':
      return 'kept (exists)';
    default: {
      const never: never = r.action;
      return never;
    }
  }
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
const listed = (ids: string[], max = 3) =>
  ids.length <= max ? ids.join(', ') : `${ids.slice(0, max).join(', ')} and ${ids.length - max} more`;

/** "3 new runs, 1 existing run runs new_metric; 2 kept" — what pressing Start will do. */
function planSummary(plan: PlannedRun[]): string {
  const n = (a: PlannedRun['action']) => plan.filter((r) => r.action === a).length;
  const parts = [
    n('create') && plural(n('create'), 'new run'),
    n('rerun') && `${plural(n('rerun'), 'existing run')} cleared and rerun`,
    n('fill') &&
      (n('fill') === 1
        ? '1 existing run runs the tasks it never had'
        : `${n('fill')} existing runs run the tasks they never had`),
  ].filter(Boolean);
  const kept = n('skip') ? `${n('skip')} kept as they are` : '';
  if (!parts.length) return kept ? `Nothing to run: ${kept}` : 'Nothing to run';
  return `${parts.join(', ')}${kept ? `; ${kept}` : ''}`;
}

/**
 * A backfill shows every run it will create (its dry run) before it starts, can be limited to some tasks (e.g. a
 * task just added) and to a number of runs at a time.
 */
export function BackfillDialog({ pipeline, onClose }: { pipeline: Pipeline; onClose(): void }) {
  const [from, setFrom] = useState(daysAgo(7));
  const [to, setTo] = useState(today());
  const [subset, setSubset] = useState<Set<string>>(new Set());
  const [filter, setFilter] = useState('');
  const [rerun, setRerun] = useState(false);
  const [maxActive, setMaxActive] = useState(2);
  const [plan, setPlan] = useState<{ key: string; runs: PlannedRun[] } | null>(null);
  const [problem, setProblem] = useState<{ key: string; message: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const timezone = pipeline.timezone ?? 'UTC';
  // In the pipeline's order, so the summary and the request list them as the pipeline does.
  const taskIds = subset.size ? pipeline.tasks.map((t) => t.id).filter((t) => subset.has(t)) : undefined;
  const argsKey = JSON.stringify([from, to, taskIds, rerun]);
  // A plan for other arguments than those shown is never what Start starts.
  const current = plan?.key === argsKey ? plan.runs : null;
  const currentProblem = problem?.key === argsKey ? problem.message : null;

  useEffect(() => {
    let stale = false;
    const t = setTimeout(() => {
      client
        .call('pipelines.planBackfill', {
          id: pipeline.id,
          from,
          to,
          ...(taskIds ? { taskIds } : {}),
          rerunExisting: rerun,
        })
        .then((r) => {
          if (stale) return;
          setPlan({ key: argsKey, runs: r.runs });
          setProblem(null);
        })
        .catch((err) => {
          if (stale) return;
          setPlan(null);
          setProblem({ key: argsKey, message: toErrorData(err).message });
        });
    }, 250);
    return () => {
      stale = true;
      clearTimeout(t);
    };
    // argsKey stands for the arguments.
  }, [argsKey, pipeline.id]);

  const choices = useMemo(() => {
    const q = filter.trim().toLowerCase();
    const matching = pipeline.tasks.filter((t) => !q || t.id.toLowerCase().includes(q));
    return {
      shown: matching.slice(0, MAX_TASK_CHOICES),
      more: Math.max(0, matching.length - MAX_TASK_CHOICES),
    };
  }, [pipeline.tasks, filter]);

  const starting = current?.filter((r) => r.action !== 'skip').length ?? 0;
  const start = () => {
    if (!current || starting === 0 || busy) return;
    setBusy(true);
    client
      .call('pipelines.backfill', {
        id: pipeline.id,
        from,
        to,
        ...(taskIds ? { taskIds } : {}),
        rerunExisting: rerun,
        maxActiveRuns: maxActive,
      })
      .then((r) => {
        notify('Backfill started', `${plural(r.runIds.length, 'run')} of ${pipeline.id}`);
        onClose();
      })
      .catch((err) => {
        setBusy(false);
        reportError('Could not start the backfill', err);
      });
  };
  return (
    <Modal title={`Backfill ${pipeline.id}`} onClose={onClose} wide testId={ids.backfillDialog}>
      <div className="form-grid backfill-form">
        <label className="form-field">
          <span>From (logical date)</span>
          <input
            className="input mono"
            type="date"
            data-testid={ids.backfillFrom}
            value={from}
            onChange={(e) => setFrom(e.target.value)}
          />
        </label>
        <label className="form-field">
          <span>To (included)</span>
          <input
            className="input mono"
            type="date"
            data-testid={ids.backfillTo}
            value={to}
            onChange={(e) => setTo(e.target.value)}
          />
        </label>
        <label className="form-field">
          <span>Runs at a time</span>
          <input
            className="input mono"
            type="number"
            min={1}
            max={100}
            data-testid={ids.backfillMaxActive}
            value={maxActive}
            onChange={(e) =>
              setMaxActive(Math.min(100, Math.max(1, Math.round(Number(e.target.value)) || 1)))
            }
          />
        </label>
      </div>
      <label className="checkbox-field backfill-rerun">
        <input
          type="checkbox"
          data-testid={ids.backfillRerun}
          checked={rerun}
          onChange={(e) => setRerun(e.target.checked)}
        />
        <span>Clear and rerun the chosen tasks in runs that exist (otherwise they are kept)</span>
      </label>
      <div className="form-field">
        <span>
          Only these tasks{' '}
          <span className="muted">
            {taskIds ? `(${taskIds.length} of ${pipeline.tasks.length} chosen)` : '(none chosen: every task)'}
          </span>
        </span>
        {pipeline.tasks.length > 12 && (
          <input
            className="input mono subset-filter"
            placeholder="Filter tasks"
            data-testid={ids.backfillTaskFilter}
            value={filter}
            onChange={(e) => setFilter(e.target.value)}
          />
        )}
        <div className="task-subset">
          {choices.shown.map((t) => (
            <label key={t.id} className={subset.has(t.id) ? 'subset-item chosen' : 'subset-item'}>
              <input
                type="checkbox"
                data-testid={ids.backfillTask(t.id)}
                checked={subset.has(t.id)}
                onChange={(e) => {
                  const next = new Set(subset);
                  if (e.target.checked) next.add(t.id);
                  else next.delete(t.id);
                  setSubset(next);
                }}
              />
              {t.id}
            </label>
          ))}
          {choices.more > 0 && <span className="muted">{choices.more} more: filter to find them</span>}
        </div>
      </div>
      <div className="backfill-plan" data-testid={ids.backfillPlan} aria-busy={!current && !currentProblem}>
        {currentProblem ? (
          <div className="form-problem plan-message">{currentProblem}</div>
        ) : !current ? (
          <div className="muted plan-message">Planning…</div>
        ) : current.length === 0 ? (
          <div className="muted plan-message">No data interval of the schedule starts in this range.</div>
        ) : (
          <table className="plan-table">
            <thead>
              <tr>
                <th>Logical date ({timezone})</th>
                <th>Data interval</th>
                <th>What happens</th>
              </tr>
            </thead>
            <tbody>
              {current.map((r) => {
                const date = formatInZone(r.logicalDate, timezone);
                return (
                  <tr
                    key={r.logicalDate}
                    data-testid={ids.backfillPlanRow}
                    data-action={r.action}
                    data-date={date}
                    className={`plan-${r.action}`}
                  >
                    <td className="mono">{date}</td>
                    <td className="mono muted">
                      {formatInZone(r.dataIntervalStart, timezone)} →{' '}
                      {formatInZone(r.dataIntervalEnd, timezone)}
                    </td>
                    <td>{actionText(r)}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </div>
      <div className="backfill-summary" data-testid={ids.backfillSummary}>
        {current ? (
          <>
            <strong>{planSummary(current)}</strong>
            {starting > 0 && (
              <span className="muted">
                {' '}
                · {taskIds ? `only ${taskIds.join(', ')}` : 'every task'} · {plural(maxActive, 'run')} at a
                time; scheduled and manual runs keep their slots
              </span>
            )}
          </>
        ) : (
          <span className="muted">{currentProblem ? 'Fix the range to see the runs' : 'Planning…'}</span>
        )}
      </div>
      <div className="dialog-buttons">
        <button className="btn" data-testid={testIds.dialogCancel} onClick={onClose}>
          Cancel
        </button>
        <button
          className="btn btn-primary"
          data-testid={ids.backfillStart}
          disabled={!current || starting === 0 || busy}
          title={
            !current ? 'Wait for the plan of these dates' : starting === 0 ? 'Nothing to run' : undefined
          }
          onClick={start}
        >
          Start backfill{starting > 0 ? ` (${plural(starting, 'run')})` : ''}
        </button>
      </div>
    </Modal>
  );
}
