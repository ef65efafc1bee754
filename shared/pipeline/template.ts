/**
 * The templates of task fields: `{{ ds }}`, `{{ params.day }}`, `{{ outputs.load.rows }}`, with optional filters
 * `{{ params.name | sql }}`. Deliberately small and safe: an expression is a dotted path or a quoted string,
 * never code, so a pipeline file cannot make the engine evaluate anything.
 */

export interface TemplateContext {
  [name: string]: unknown;
}

export class TemplateError extends Error {
  constructor(
    message: string,
    /** 0-based offset of the `{{` that failed. */
    readonly offset: number,
  ) {
    super(message);
    this.name = 'TemplateError';
  }
}

/** Filters: how a value is written into the text. */
const FILTERS: Record<string, (value: unknown) => string> = {
  /** A SQL literal: 'text' with quotes doubled, numbers and booleans as they are, NULL. */
  sql: (v) => {
    if (v === null || v === undefined) return 'NULL';
    if (typeof v === 'number' || typeof v === 'boolean') return String(v);
    const s = typeof v === 'string' ? v : JSON.stringify(v);
    return `'${s.replace(/'/g, "''")}'`;
  },
  /** A single-quoted shell word. */
  shell: (v) => `'${toText(v).replace(/'/g, `'\\''`)}'`,
  /** JSON text (strings quoted). */
  json: (v) => JSON.stringify(v ?? null),
  upper: (v) => toText(v).toUpperCase(),
  lower: (v) => toText(v).toLowerCase(),
};
export const TEMPLATE_FILTERS = Object.keys(FILTERS);

function toText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return String(value);
  return JSON.stringify(value);
}

const PATH = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z0-9_-]+)*$/;
const STRING = /^(['"])(.*)\1$/s;

function lookup(context: TemplateContext, path: string, offset: number): unknown {
  const parts = path.split('.');
  let value: unknown = context;
  let walked = '';
  for (const part of parts) {
    walked = walked ? `${walked}.${part}` : part;
    if (value === null || typeof value !== 'object' || !Object.prototype.hasOwnProperty.call(value, part)) {
      const known =
        value && typeof value === 'object'
          ? Object.keys(value as object)
              .slice(0, 20)
              .join(', ')
          : '';
      throw new TemplateError(
        `{{ ${path} }}: ${walked} is not defined${known ? ` (known here: ${known})` : ''}`,
        offset,
      );
    }
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/** Renders `{{ ... }}` expressions; throws a TemplateError that says which expression and where. */
export function renderTemplate(text: string, context: TemplateContext): string {
  if (!text.includes('{{')) return text;
  let out = '';
  let i = 0;
  for (;;) {
    const start = text.indexOf('{{', i);
    if (start === -1) {
      out += text.slice(i);
      return out;
    }
    const end = text.indexOf('}}', start + 2);
    if (end === -1) throw new TemplateError('a "{{" is not closed by "}}"', start);
    out += text.slice(i, start);
    const [expr, ...filters] = text
      .slice(start + 2, end)
      .split('|')
      .map((s) => s.trim());
    let value: unknown;
    const str = STRING.exec(expr);
    if (str) value = str[2];
    else if (PATH.test(expr)) value = lookup(context, expr, start);
    else throw new TemplateError(`{{ ${expr} }} is not a name like ds or params.x`, start);
    let rendered: string | null = null;
    for (const f of filters) {
      const filter = FILTERS[f];
      if (!filter)
        throw new TemplateError(`unknown filter "${f}" (use ${TEMPLATE_FILTERS.join(', ')})`, start);
      rendered = filter(rendered ?? value);
    }
    out += rendered ?? toText(value);
    i = end + 2;
  }
}

/** The names a text's templates use (e.g. to draw the edge a `{{ outputs.x }}` implies). */
export function templateReferences(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/\{\{\s*([A-Za-z_][A-Za-z0-9_.-]*)\s*(\|[^}]*)?\}\}/g)) out.push(m[1]);
  return out;
}

export interface RunContextInput {
  runId: string;
  logicalDate: Date;
  dataIntervalStart: Date;
  dataIntervalEnd: Date;
  params: Record<string, unknown>;
  outputs: Record<string, unknown>;
  pipelineId: string;
  taskId: string;
  tryNumber: number;
  /** The workspace folder (absolute), for SQL that reads or writes files in it. */
  workspace?: string;
}

function isoSeconds(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, '+00:00');
}

/** The variables of a task's templates, named as in Airflow. */
export function runContext(input: RunContextInput): TemplateContext {
  const ds = input.logicalDate.toISOString().slice(0, 10);
  return {
    ds,
    ds_nodash: ds.replace(/-/g, ''),
    ts: isoSeconds(input.logicalDate),
    ts_nodash: isoSeconds(input.logicalDate).slice(0, 19).replace(/[-:]/g, ''),
    logical_date: isoSeconds(input.logicalDate),
    data_interval_start: isoSeconds(input.dataIntervalStart),
    data_interval_end: isoSeconds(input.dataIntervalEnd),
    run_id: input.runId,
    params: input.params,
    outputs: input.outputs,
    pipeline: { id: input.pipelineId },
    task: { id: input.taskId, try_number: input.tryNumber },
    ...(input.workspace !== undefined ? { workspace: input.workspace } : {}),
  };
}
