import { parse as parseJsonWithErrors, printParseErrorCode, type ParseError } from 'jsonc-parser';
import { LakebenchError } from '../errors';
import type { CellLanguage, NotebookCell, NotebookDocument, NotebookOutput } from './model';
import { CELL_LANGUAGES, newCellId } from './model';

/**
 * nbformat 4 reading and writing. A cell's language lives in `metadata.lakebench.language`; markdown cells are
 * nbformat markdown cells. Everything Lakebench does not understand is kept, so Jupyter's own data survives.
 */

const CELL_ID = /^[a-zA-Z0-9-_]{1,64}$/;

function fail(file: string, message: string, line?: number, column?: number): never {
  throw new LakebenchError('NOTEBOOK_INVALID', `${file}: ${message}`, {
    file,
    ...(line !== undefined ? { line } : {}),
    ...(column !== undefined ? { column } : {}),
  });
}

/** Line and column (1-based) of a character offset. */
export function positionOf(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

function parseJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    // JSON.parse does not always say where; a second, positional parse finds the first error.
    const errors: ParseError[] = [];
    parseJsonWithErrors(text, errors, { disallowComments: true, allowTrailingComma: false });
    const first = errors[0];
    if (first) {
      const { line, column } = positionOf(text, first.offset);
      const what = printParseErrorCode(first.error)
        .replace(/([a-z])([A-Z])/g, '$1 $2')
        .toLowerCase();
      fail(file, `is not valid JSON at line ${line}, column ${column}: ${what}`, line, column);
    }
    fail(file, `is not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function multiline(value: unknown, file: string, where: string): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && value.every((s) => typeof s === 'string')) return value.join('');
  fail(file, `${where}: "source" must be a string or a list of strings`);
}

/** Splits text the way Jupyter stores it: a list of lines, each but the last keeping its newline. */
export function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n').map((l, i, all) => (i < all.length - 1 ? `${l}\n` : l));
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

function languageOf(cell: Record<string, unknown>, notebookDefault: CellLanguage): CellLanguage {
  if (cell.cell_type === 'markdown') return 'markdown';
  const meta = isObject(cell.metadata) ? cell.metadata : {};
  const lb = isObject(meta.lakebench) ? meta.lakebench : {};
  const lang = lb.language;
  if (typeof lang === 'string' && (CELL_LANGUAGES as readonly string[]).includes(lang))
    return lang as CellLanguage;
  return notebookDefault;
}

function stripLakebench(meta: unknown): Record<string, unknown> {
  if (!isObject(meta)) return {};
  const { lakebench: _lb, ...rest } = meta;
  return rest;
}

export function parseIpynb(text: string, file: string): NotebookDocument {
  const raw = parseJson(text, file);
  if (!isObject(raw)) fail(file, 'the top level must be a JSON object');
  if (raw.nbformat !== 4) fail(file, `only nbformat 4 is supported (found ${JSON.stringify(raw.nbformat)})`);
  if (!Array.isArray(raw.cells)) fail(file, '"cells" must be a list');
  const metadata = isObject(raw.metadata) ? raw.metadata : {};
  const lbMeta = isObject(metadata.lakebench) ? metadata.lakebench : {};
  const kernelLang = isObject(metadata.kernelspec) ? metadata.kernelspec.language : undefined;
  const defaultLanguage: CellLanguage =
    typeof lbMeta.default_language === 'string' &&
    (CELL_LANGUAGES as readonly string[]).includes(lbMeta.default_language)
      ? (lbMeta.default_language as CellLanguage)
      : kernelLang === 'python'
        ? 'python'
        : 'sql';
  const seen = new Set<string>();
  const cells: NotebookCell[] = raw.cells.map((c: unknown, i: number) => {
    const where = `cell ${i + 1}`;
    if (!isObject(c)) fail(file, `${where} must be a JSON object`);
    if (c.cell_type !== 'code' && c.cell_type !== 'markdown' && c.cell_type !== 'raw') {
      fail(file, `${where}: unknown cell_type ${JSON.stringify(c.cell_type)}`);
    }
    const source = multiline(c.source ?? '', file, where);
    let id = typeof c.id === 'string' && CELL_ID.test(c.id) ? c.id : newCellId();
    if (seen.has(id)) id = newCellId();
    seen.add(id);
    const outputs = Array.isArray(c.outputs) ? (c.outputs.filter(isObject) as NotebookOutput[]) : [];
    const language = c.cell_type === 'raw' ? 'markdown' : languageOf(c, defaultLanguage);
    const cellMeta = stripLakebench(c.metadata);
    if (c.cell_type === 'raw') cellMeta['lakebench_raw'] = true;
    return {
      id,
      language,
      source,
      metadata: cellMeta,
      outputs,
      executionCount: typeof c.execution_count === 'number' ? c.execution_count : null,
    };
  });
  const nbformatMinor = typeof raw.nbformat_minor === 'number' ? Math.max(raw.nbformat_minor, 5) : 5;
  return { metadata: stripLakebench(metadata), nbformatMinor, cells };
}

/** Writes nbformat 4.5 JSON the way Jupyter does (one-space indent, sorted keys, trailing newline). */
export function serializeIpynb(doc: NotebookDocument): string {
  const cells = doc.cells.map((cell) => {
    const { lakebench_raw: raw, ...meta } = cell.metadata;
    if (cell.language === 'markdown') {
      return {
        cell_type: raw ? 'raw' : 'markdown',
        id: cell.id,
        metadata: meta,
        source: splitLines(cell.source),
      };
    }
    return {
      cell_type: 'code',
      execution_count: cell.executionCount,
      id: cell.id,
      metadata: { ...meta, lakebench: { language: cell.language } },
      outputs: cell.outputs,
      source: splitLines(cell.source),
    };
  });
  const languages = new Set(doc.cells.filter((c) => c.language !== 'markdown').map((c) => c.language));
  const defaultLanguage = languages.size === 1 ? [...languages][0] : 'sql';
  const notebook = {
    cells,
    metadata: { ...doc.metadata, lakebench: { default_language: defaultLanguage } },
    nbformat: 4,
    nbformat_minor: Math.max(doc.nbformatMinor, 5),
  };
  return `${JSON.stringify(sortKeys(notebook), null, 1)}\n`;
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (isObject(value)) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) out[key] = sortKeys(value[key]);
    return out;
  }
  return value;
}
