import { topologicalOrder } from '../../../shared/pipeline/graph';
import {
  LEGACY_TRIGGER_RULES,
  durationMs,
  paramDefaults,
  type DefaultArgs,
  type Duration,
  type Pipeline,
  type Task,
  type TriggerRule,
} from '../../../shared/pipeline/model';
import { interpretSchedule } from '../../../shared/pipeline/schedule';

/**
 * Writes a pipeline as an Airflow DAG file. Airflow 3 (`airflow.sdk`) by default, Airflow 2 on request. A cron
 * schedule keeps its data intervals in Airflow 3 through CronDataIntervalTimetable (a bare cron string would
 * become a CronTriggerTimetable there). Shell tasks become BashOperator, Python tasks PythonOperator, SQL tasks
 * SQLExecuteQueryOperator on a `lakebench_duckdb` connection; notebook tasks, which only Lakebench runs, call
 * the documented CLI: `lakebench run-pipeline --workspace DIR PIPELINE --task TASK --date {{ ds }}`.
 */

/** A Python string literal (JSON's escapes are valid in Python). */
function py(value: string): string {
  return JSON.stringify(value);
}

function pyValue(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : 'None';
  if (typeof value === 'string') return py(value);
  if (Array.isArray(value)) return `[${value.map(pyValue).join(', ')}]`;
  return `{${Object.entries(value as Record<string, unknown>)
    .map(([k, v]) => `${py(k)}: ${pyValue(v)}`)
    .join(', ')}}`;
}

function timedelta(d: Duration): string {
  const ms = durationMs(d);
  return ms % 1000 === 0 ? `timedelta(seconds=${ms / 1000})` : `timedelta(milliseconds=${ms})`;
}

function pyIdent(id: string): string {
  const s = id.replace(/[^A-Za-z0-9_]/g, '_');
  return /^[0-9]/.test(s) ? `t_${s}` : s;
}

/** Lakebench's `{{ outputs.x.field }}` is Airflow's XCom pull of the task's return value. */
function toJinja(text: string): string {
  return text.replace(
    /\{\{\s*outputs\.([A-Za-z0-9_.-]+?)((?:\.[A-Za-z0-9_]+)*)\s*(\|[^}]*)?\}\}/g,
    (_m, task: string, rest: string) => {
      const fields = rest
        .split('.')
        .filter(Boolean)
        .map((f) => `[${py(f)}]`)
        .join('');
      return `{{ ti.xcom_pull(task_ids=${py(task)})${fields} }}`;
    },
  );
}

function retryArgs(a: DefaultArgs): string[] {
  const out: string[] = [];
  if (a.retries !== undefined) out.push(`retries=${a.retries}`);
  if (a.retry_delay !== undefined) out.push(`retry_delay=${timedelta(a.retry_delay)}`);
  if (a.retry_exponential_backoff !== undefined)
    out.push(`retry_exponential_backoff=${pyValue(a.retry_exponential_backoff)}`);
  if (a.max_retry_delay !== undefined) out.push(`max_retry_delay=${timedelta(a.max_retry_delay)}`);
  if (a.execution_timeout !== undefined)
    out.push(`execution_timeout=${a.execution_timeout === null ? 'None' : timedelta(a.execution_timeout)}`);
  return out;
}

function dateExpr(text: string, tz: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?(Z|[+-]\d{2}:?\d{2})?/.exec(
    text,
  ) as RegExpExecArray;
  const [y, mo, d, h, mi, s, offset] = m.slice(1);
  if (offset) return `pendulum.parse(${py(text.replace(' ', 'T'))})`;
  const parts = [Number(y), Number(mo), Number(d)];
  if (h) parts.push(Number(h), Number(mi), Number(s ?? 0));
  return `pendulum.datetime(${parts.join(', ')}, tz=${py(tz)})`;
}

export function exportAirflow(
  pipeline: Pipeline,
  options: { airflow: 2 | 3; workspace?: string } = { airflow: 3 },
): string {
  const v3 = options.airflow === 3;
  const tz = pipeline.timezone ?? 'UTC';
  const kind = interpretSchedule(pipeline.schedule);
  const types = new Set(pipeline.tasks.map((t) => t.type));
  const lines: string[] = [];
  lines.push(`"""${(pipeline.description ?? pipeline.id).replace(/"""/g, "'''").replace(/\\/g, '\\\\')}`);
  lines.push('');
  lines.push(`Exported by Lakebench from pipelines/${pipeline.id}.yaml for Airflow ${options.airflow}.`);
  if (types.has('sql'))
    lines.push(
      'SQL tasks run on the Airflow connection "lakebench_duckdb" (a DuckDB connection to the workspace database).',
    );
  if (types.has('notebook'))
    lines.push(
      'Notebook tasks call the lakebench CLI; set the Airflow Variable "lakebench_workspace" to the workspace folder.',
    );
  lines.push('"""');
  lines.push('from datetime import timedelta');
  lines.push('');
  lines.push('import pendulum');
  if (v3) {
    lines.push('from airflow.sdk import DAG');
    if (
      types.has('shell') ||
      types.has('notebook') ||
      pipeline.tasks.some((t) => t.type === 'python' && t.script)
    )
      lines.push('from airflow.providers.standard.operators.bash import BashOperator');
    if (pipeline.tasks.some((t) => t.type === 'python' && !t.script))
      lines.push('from airflow.providers.standard.operators.python import PythonOperator');
    if (kind.kind === 'cron') lines.push('from airflow.timetables.interval import CronDataIntervalTimetable');
  } else {
    lines.push('from airflow import DAG');
    if (
      types.has('shell') ||
      types.has('notebook') ||
      pipeline.tasks.some((t) => t.type === 'python' && t.script)
    )
      lines.push('from airflow.operators.bash import BashOperator');
    if (pipeline.tasks.some((t) => t.type === 'python' && !t.script))
      lines.push('from airflow.operators.python import PythonOperator');
  }
  if (types.has('sql'))
    lines.push('from airflow.providers.common.sql.operators.sql import SQLExecuteQueryOperator');
  lines.push('');

  // Inline Python runs as a script would: its own globals, __name__ == "__main__".
  const pythonTasks = pipeline.tasks.filter(
    (t): t is Extract<Task, { type: 'python' }> => t.type === 'python' && !t.script,
  );
  for (const t of pythonTasks) {
    const name = pyIdent(t.id).toUpperCase();
    lines.push(`${name}_CODE = ${py(t.code ?? '')}`);
    lines.push('');
    lines.push('');
    lines.push(`def run_${pyIdent(t.id)}():`);
    lines.push(
      `    exec(compile(${name}_CODE, ${py(`${t.id} (inline code)`)}, "exec"), {"__name__": "__main__"})`,
    );
    lines.push('');
    lines.push('');
  }

  let schedule: string;
  if (kind.kind === 'none') schedule = 'None';
  else if (kind.kind === 'once') schedule = py('@once');
  else if (kind.kind === 'continuous') schedule = py('@continuous');
  else
    schedule = v3
      ? `CronDataIntervalTimetable(${py(kind.cron)}, timezone=${py(tz)})`
      : py(kind.preset ?? kind.cron);

  const dagArgs: string[] = [`dag_id=${py(pipeline.id)}`];
  if (pipeline.description) dagArgs.push(`description=${py(pipeline.description)}`);
  dagArgs.push(`schedule=${schedule}`);
  dagArgs.push(`start_date=${pipeline.start_date ? dateExpr(pipeline.start_date, tz) : 'None'}`);
  if (pipeline.end_date) dagArgs.push(`end_date=${dateExpr(pipeline.end_date, tz)}`);
  dagArgs.push(`catchup=${pyValue(pipeline.catchup ?? false)}`);
  if (pipeline.max_active_runs !== undefined) dagArgs.push(`max_active_runs=${pipeline.max_active_runs}`);
  if (pipeline.max_active_tasks !== undefined) dagArgs.push(`max_active_tasks=${pipeline.max_active_tasks}`);
  if (pipeline.tags?.length) dagArgs.push(`tags=${pyValue(pipeline.tags)}`);
  if (pipeline.params && Object.keys(pipeline.params).length)
    dagArgs.push(`params=${pyValue(paramDefaults(pipeline))}`);
  const defaults = retryArgs(pipeline.default_args ?? {});
  if (defaults.length)
    dagArgs.push(
      `default_args={${defaults
        .map((d) => {
          const [k, ...v] = d.split('=');
          return `${py(k)}: ${v.join('=')}`;
        })
        .join(', ')}}`,
    );

  lines.push('with DAG(');
  for (const a of dagArgs) lines.push(`    ${a},`);
  lines.push(') as dag:');

  for (const t of pipeline.tasks) {
    const args: string[] = [`task_id=${py(t.id)}`];
    let op: string;
    switch (t.type) {
      case 'shell': {
        op = 'BashOperator';
        args.push(`bash_command=${py(toJinja(t.command))}`);
        if (t.env) args.push(`env=${pyValue(t.env)}`, 'append_env=True');
        if (t.cwd) args.push(`cwd=${py(t.cwd)}`);
        if (t.output === 'last_line') args.push('do_xcom_push=True');
        break;
      }
      case 'python':
        if (t.script) {
          op = 'BashOperator';
          args.push(
            `bash_command=${py(['python3', t.script, ...(t.args ?? [])].map((x) => `'${x.replace(/'/g, `'\\''`)}'`).join(' '))}`,
          );
        } else {
          op = 'PythonOperator';
          args.push(`python_callable=run_${pyIdent(t.id)}`);
        }
        if (t.env) args.push(`env=${pyValue(t.env)}`);
        break;
      case 'sql':
        op = 'SQLExecuteQueryOperator';
        args.push('conn_id="lakebench_duckdb"');
        args.push(t.sql !== undefined ? `sql=${py(toJinja(t.sql))}` : `sql=${py(t.file as string)}`);
        break;
      case 'notebook':
        op = 'BashOperator';
        args.push(
          `bash_command=${py(`lakebench run-pipeline --workspace "{{ var.value.lakebench_workspace }}" ${pipeline.id} --task ${t.id} --date {{ ds }}`)}`,
        );
        break;
      default: {
        const never: never = t;
        throw new Error(`unknown task type ${(never as Task).type}`);
      }
    }
    if (t.trigger_rule) {
      const rule = (LEGACY_TRIGGER_RULES[t.trigger_rule] ?? t.trigger_rule) as TriggerRule;
      args.push(`trigger_rule=${py(rule)}`);
    }
    args.push(...retryArgs(t));
    lines.push(`    ${pyIdent(t.id)} = ${op}(`);
    for (const a of args) lines.push(`        ${a},`);
    lines.push('    )');
  }
  const order = topologicalOrder(pipeline.tasks);
  const edges: string[] = [];
  for (const id of order) {
    const t = pipeline.tasks.find((x) => x.id === id) as Task;
    for (const dep of t.depends_on ?? []) edges.push(`    ${pyIdent(dep)} >> ${pyIdent(id)}`);
  }
  if (edges.length) {
    lines.push('');
    lines.push(...edges);
  }
  lines.push('');
  return lines.join('\n');
}
