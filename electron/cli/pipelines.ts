import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { LakebenchError } from '../../shared/errors';
import { onePositional, requireWorkspace } from './args';
import type { RunState } from '../../shared/pipeline/model';
import { LakebenchCore } from '../core/app';
import { airflowDagOf, workspacePipelineProblems } from '../core/pipelines';
import { Workspace } from '../core/workspace';

/** The pipeline commands of the `lakebench` CLI: run-pipeline, backfill, validate, export-airflow. */

export const PIPELINE_HELP = `  lakebench run-pipeline --workspace DIR ID [--param k=v ...] [--date YYYY-MM-DD] [--task T ...]
                                                 run a pipeline to the end; exit 0 on success, 1 on failure
  lakebench backfill --workspace DIR ID --from DATE --to DATE [--dry-run] [--task T ...] [--max-active-runs N]
                                                 run every interval of a date range (--dry-run lists them)
  lakebench validate --workspace DIR             check every pipeline; prints file:line:col: message
  lakebench export-airflow --workspace DIR ID [-o FILE] [--airflow 2|3]
                                                 write the pipeline as an Airflow DAG file
`;

const out = (line: string) => process.stdout.write(`${line}\n`);

function time(): string {
  return new Date().toISOString().slice(11, 19);
}

/** Prints task state changes of the given runs as they happen. */
function printStates(core: LakebenchCore, runIds: Set<string>): () => void {
  const last = new Map<string, string>();
  return core.bus.subscribe((name, payload) => {
    if (name !== 'pipelines.onTaskChanged') return;
    const { taskInstance: ti, try: t } = payload as {
      taskInstance: { runId: string; taskId: string; state: string; tryNumber: number };
      try: { error: { message: string } | null } | null;
    };
    if (!runIds.has(ti.runId)) return;
    const key = `${ti.runId}/${ti.taskId}`;
    const shown = `${ti.state}/${ti.tryNumber}`;
    if (last.get(key) === shown) return;
    last.set(key, shown);
    const prefix = runIds.size > 1 ? `${ti.runId.split('__').pop()} ` : '';
    const tryText = ti.tryNumber > 0 ? ` (try ${ti.tryNumber})` : '';
    const err =
      (ti.state === 'failed' || ti.state === 'up_for_retry') && t?.error ? `: ${t.error.message}` : '';
    out(`${time()} ${prefix}${ti.taskId}: ${ti.state}${tryText}${err}`);
  });
}

/**
 * Opens the core for a command. Ctrl-C (or SIGTERM) closes it properly: task processes run in their own process
 * groups and would otherwise outlive the CLI; closed tasks run again on the next start.
 */
async function openCore(workspace: string, version: string): Promise<LakebenchCore> {
  const core = await LakebenchCore.open({ workspacePath: workspace, version });
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`lakebench: ${signal}: stopping running tasks; the run resumes on the next start\n`);
    void core.close().finally(() => process.exit(130));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return core;
}

export async function runPipeline(argv: string[], version: string): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      workspace: { type: 'string', short: 'w' },
      param: { type: 'string', short: 'p', multiple: true },
      date: { type: 'string' },
      task: { type: 'string', multiple: true },
    },
    allowPositionals: true,
    strict: true,
  });
  const workspace = requireWorkspace(values.workspace);
  const id = onePositional(positionals, 'pipeline id');
  const overrides: Record<string, string> = {};
  for (const p of values.param ?? []) {
    const eq = p.indexOf('=');
    if (eq <= 0) throw new LakebenchError('INVALID_REQUEST', `--param takes name=value, not "${p}"`);
    overrides[p.slice(0, eq)] = p.slice(eq + 1);
  }
  const core = await openCore(workspace, version);
  try {
    const pipelines = core.pipelines;
    const runIds = new Set<string>();
    const stop = printStates(core, runIds);
    const { runId, action } = await pipelines.runForDate(id, values.date, overrides, values.task ?? []);
    runIds.add(runId);
    if (action === 'resumed')
      out(`${id}: run ${runId} is already under way (resumed after a restart); waiting for it`);
    else if (action === 'rerun') out(`${id}: running ${runId} again`);
    out(`${id}: run ${runId}`);
    const state = await pipelines.waitForRun(runId);
    stop();
    const { taskInstances } = pipelines.getRun(runId);
    for (const ti of taskInstances) {
      const secs = ti.durationMs !== null ? ` ${(ti.durationMs / 1000).toFixed(1)}s` : '';
      out(
        `  ${ti.state.padEnd(16)} ${ti.taskId}${secs}${ti.output !== null ? `  -> ${JSON.stringify(ti.output)}` : ''}`,
      );
    }
    out(`${id}: ${state}`);
    return state === 'success' ? 0 : 1;
  } finally {
    await core.close();
  }
}

export async function backfill(argv: string[], version: string): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      workspace: { type: 'string', short: 'w' },
      from: { type: 'string' },
      to: { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
      task: { type: 'string', multiple: true },
      'max-active-runs': { type: 'string', default: '2' },
      rerun: { type: 'boolean', default: false },
    },
    allowPositionals: true,
    strict: true,
  });
  const workspace = requireWorkspace(values.workspace);
  const id = onePositional(positionals, 'pipeline id');
  if (!values.from || !values.to)
    throw new LakebenchError('INVALID_REQUEST', '--from DATE and --to DATE are required');
  const maxActiveRuns = Number(values['max-active-runs']);
  if (!Number.isInteger(maxActiveRuns) || maxActiveRuns < 1 || maxActiveRuns > 100)
    throw new LakebenchError('INVALID_REQUEST', '--max-active-runs is a number from 1 to 100');
  const core = await openCore(workspace, version);
  try {
    const args = {
      id,
      from: values.from,
      to: values.to,
      taskIds: values.task?.length ? values.task : undefined,
      rerunExisting: values.rerun ?? false,
    };
    const plan = await core.pipelines.planBackfill(args);
    out(`${id}: ${plan.runs.length} interval(s), tasks ${plan.taskIds.join(', ')}`);
    for (const r of plan.runs) out(`  ${r.action.padEnd(6)} ${r.dataIntervalStart} .. ${r.dataIntervalEnd}`);
    if (values['dry-run']) return 0;
    const runIds = new Set<string>();
    const stop = printStates(core, runIds);
    const started = await core.pipelines.backfill({ ...args, maxActiveRuns });
    for (const r of started.runIds) runIds.add(r);
    const states: RunState[] = await Promise.all(started.runIds.map((r) => core.pipelines.waitForRun(r)));
    stop();
    const failed = states.filter((s) => s !== 'success').length;
    out(`${id}: backfill ${started.backfillId}: ${states.length - failed} succeeded, ${failed} failed`);
    return failed ? 1 : 0;
  } finally {
    await core.close();
  }
}

export async function validate(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { workspace: { type: 'string', short: 'w' } },
    strict: true,
  });
  const ws = await Workspace.open(requireWorkspace(values.workspace), { create: false });
  try {
    const { pipelines, problems } = await workspacePipelineProblems(ws);
    for (const p of problems) out(`${p.file}:${p.line}:${p.column}: ${p.message}`);
    process.stderr.write(`${pipelines} pipeline(s), ${problems.length} problem(s)\n`);
    return problems.length ? 1 : 0;
  } finally {
    ws.close();
  }
}

export async function exportAirflowCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      workspace: { type: 'string', short: 'w' },
      output: { type: 'string', short: 'o' },
      airflow: { type: 'string', default: '3' },
    },
    allowPositionals: true,
    strict: true,
  });
  if (values.airflow !== '2' && values.airflow !== '3')
    throw new LakebenchError('INVALID_REQUEST', '--airflow is 2 or 3');
  const ws = await Workspace.open(requireWorkspace(values.workspace), { create: false });
  try {
    const id = onePositional(positionals, 'pipeline id');
    const python = await airflowDagOf(ws, id, Number(values.airflow) as 2 | 3);
    if (values.output) {
      await writeFile(values.output, python);
      process.stderr.write(`wrote ${values.output}\n`);
    } else process.stdout.write(python);
    return 0;
  } finally {
    ws.close();
  }
}
