import { LakebenchError } from '../../../shared/errors';
import { newCell, type NotebookCell, type NotebookDocument } from '../../../shared/notebook/model';

/**
 * Notebook parameters the way papermill does them: the cell tagged `parameters` holds the defaults, and a run
 * injects a cell right after it that assigns the values it was given, so they win. Without a tagged cell the
 * injected one goes first.
 */

export const PARAMETERS_TAG = 'parameters';
export const INJECTED_PARAMETERS_TAG = 'injected-parameters';

const PYTHON_KEYWORDS = new Set(
  (
    'False None True and as assert async await break class continue def del elif else except finally for from ' +
    'global if import in is lambda nonlocal not or pass raise return try while with yield'
  ).split(' '),
);

export type ParameterValue = string | number | boolean | null;

/** A Python literal for a parameter value (JSON's string escapes are valid Python). */
export function pythonLiteral(value: ParameterValue): string {
  if (value === null) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return 'float("nan")';
    if (!Number.isFinite(value)) return value > 0 ? 'float("inf")' : '-float("inf")';
    return String(value);
  }
  return JSON.stringify(value);
}

export function isPythonName(name: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) && !PYTHON_KEYWORDS.has(name);
}

export function cellTags(cell: NotebookCell): string[] {
  const tags = cell.metadata.tags;
  return Array.isArray(tags) ? tags.filter((t): t is string => typeof t === 'string') : [];
}

/**
 * Puts the injected parameters cell into a notebook (replacing one an earlier run left) and returns its index.
 * `where` names the notebook and task in errors.
 */
export function injectParameters(
  doc: NotebookDocument,
  parameters: Record<string, ParameterValue>,
  where: { file: string; task?: string },
): number {
  const bad = Object.keys(parameters).filter((k) => !isPythonName(k));
  if (bad.length) {
    throw new LakebenchError(
      'PIPELINE_INVALID',
      `${where.file}: parameter${bad.length > 1 ? 's' : ''} ${bad.map((b) => JSON.stringify(b)).join(', ')} cannot be assigned in Python (a parameter name is letters, digits and _, not starting with a digit, and not a Python keyword)`,
      { file: where.file, ...(where.task ? { task: where.task } : {}) },
    );
  }
  doc.cells = doc.cells.filter((c) => !cellTags(c).includes(INJECTED_PARAMETERS_TAG));
  const tagged = doc.cells.findIndex((c) => c.language === 'python' && cellTags(c).includes(PARAMETERS_TAG));
  const lines = Object.entries(parameters).map(([k, v]) => `${k} = ${pythonLiteral(v)}`);
  const cell = newCell('python', ['# Parameters', ...lines].join('\n'));
  cell.metadata = { tags: [INJECTED_PARAMETERS_TAG] };
  const at = tagged === -1 ? 0 : tagged + 1;
  doc.cells.splice(at, 0, cell);
  return at;
}
