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
    <Modal title={`Run ${pipeline.id}`} onClose={onClose} wide>
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
                <code>{name}</code> <span className="muted">{s.type}</span>{' '}
                {s.description && <span className="muted">· {s.description}</span>}
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
              {problem && <span className="form-problem">{problem}</span>}
            </label>
          );
        })}
        <label className="form-field">
          <span>Logical date (empty: now)</span>
          <input
            className="input mono"
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

/** A backfill shows every run it will create before it starts, and can be limited to some tasks. */
export function BackfillDialog({ pipeline, onClose }: { pipeline: Pipeline; onClose(): void }) {
  const [from, setFrom] = useState(daysAgo(7));
  const [to, setTo] = useState(today());
  const [subset, setSubset] = useState<Set<string>>(new Set());
  const [rerun, setRerun] = useState(false);
  const [maxActive, setMaxActive] = useState(2);
  const [plan, setPlan] = useState<PlannedRun[] | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const taskIds = subset.size ? [...subset] : undefined;
  const argsKey = JSON.stringify([from, to, taskIds, rerun]);

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
          setPlan(r.runs);
          setProblem(null);
        })
        .catch((err) => {
          if (stale) return;
          setPlan(null);
          setProblem(toErrorData(err).message);
        });
    }, 250);
    return () => {
      stale = true;
      clearTimeout(t);
    };
    // argsKey stands for the arguments.
  }, [argsKey, pipeline.id]);

  const creating = plan?.filter((r) => r.action !== 'skip').length ?? 0;
  return (
    <Modal title={`Backfill ${pipeline.id}`} onClose={onClose} wide>
      <div className="form-grid">
        <label className="form-field">
          <span>From</span>
          <input
            className="input mono"
            type="date"
            data-testid={ids.backfillFrom}
            value={from}
            onChange={(e) => setFrom(e.target.value)}
          />
        </label>
        <label className="form-field">
          <span>To</span>
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
            value={maxActive}
            onChange={(e) => setMaxActive(Math.max(1, Number(e.target.value) || 1))}
          />
        </label>
        <label className="form-field checkbox-field">
          <input type="checkbox" checked={rerun} onChange={(e) => setRerun(e.target.checked)} />
          <span>Clear and rerun runs that exist</span>
        </label>
      </div>
      <div className="form-field">
        <span>Only these tasks (none checked: every task)</span>
        <div className="task-subset">
          {pipeline.tasks.map((t) => (
            <label key={t.id} className="subset-item">
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
        </div>
      </div>
      <div className="backfill-plan" data-testid={ids.backfillPlan}>
        {problem ? (
          <div className="form-problem">{problem}</div>
        ) : !plan ? (
          <div className="muted">Planning…</div>
        ) : plan.length === 0 ? (
          <div className="muted">No data interval of the schedule falls in this range.</div>
        ) : (
          <table className="plan-table">
            <thead>
              <tr>
                <th>Logical date</th>
                <th>Data interval</th>
                <th>Action</th>
              </tr>
            </thead>
            <tbody>
              {plan.map((r) => (
                <tr key={r.logicalDate} data-testid={ids.backfillPlanRow} className={`plan-${r.action}`}>
                  <td className="mono">{r.logicalDate.slice(0, 16).replace('T', ' ')}</td>
                  <td className="mono muted">
                    {r.dataIntervalStart.slice(0, 16).replace('T', ' ')} →{' '}
                    {r.dataIntervalEnd.slice(0, 16).replace('T', ' ')}
                  </td>
                  <td>
                    {r.action === 'create'
                      ? 'new run'
                      : r.action === 'rerun'
                        ? 'clear and rerun'
                        : 'kept (exists)'}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
      <div className="dialog-buttons">
        <span className="muted spacer">
          {plan
            ? `${creating} run${creating === 1 ? '' : 's'} will start${taskIds ? `, limited to ${taskIds.join(', ')}` : ''}`
            : ''}
        </span>
        <button className="btn" data-testid={testIds.dialogCancel} onClick={onClose}>
          Cancel
        </button>
        <button
          className="btn btn-primary"
          data-testid={ids.backfillStart}
          disabled={!plan || creating === 0 || busy}
          onClick={() => {
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
                notify('Backfill started', `${r.runIds.length} runs of ${pipeline.id}`);
                onClose();
              })
              .catch((err) => {
                setBusy(false);
                reportError('Could not start the backfill', err);
              });
          }}
        >
          Start backfill
        </button>
      </div>
    </Modal>
  );
}
