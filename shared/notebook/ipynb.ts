import { parse as parseJsonWithErrors, printParseErrorCode, type ParseError } from 'jsonc-parser';
import { LakebenchError, errorMessage } from '../errors';
import type { CellLanguage, NotebookCell, NotebookDocument } from './model';
import { CELL_LANGUAGES, newCellId } from './model';
import { upgradeV3 } from './nbformat3';
import { repairAttachments, repairCellMetadata, repairNotebookMetadata, repairOutputs } from './repair';

/**
 * nbformat 4 reading and writing. A code cell's language lives in `metadata.lakebench.language` when it is not
 * the notebook's default (`metadata.lakebench.default_language`, Python when absent, as Jupyter's default
 * kernel is), so a Jupyter notebook that Lakebench opens and saves stays free of Lakebench's keys. Markdown
 * cells are nbformat markdown cells. Everything Lakebench does not understand is kept, so Jupyter's own data
 * survives.
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
    fail(file, `is not valid JSON: ${errorMessage(err)}`);
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

/** The newest nbformat 4 minor version whose schema Lakebench knows (4.5: cell ids). */
export const KNOWN_NBFORMAT_MINOR = 5;

/** Languages whose code cells Lakebench runs; code of any other kernel language is shown read-only. */
function isCellLanguage(v: unknown): v is CellLanguage {
  return typeof v === 'string' && (CELL_LANGUAGES as readonly string[]).includes(v);
}

/** The language a notebook's kernel runs, lower-cased: `kernelspec.language`, else `language_info.name`. */
function kernelLanguage(metadata: Record<string, unknown>): string | null {
  const ks = isObject(metadata.kernelspec) ? metadata.kernelspec.language : undefined;
  if (typeof ks === 'string' && ks) return ks.toLowerCase();
  const li = isObject(metadata.language_info) ? metadata.language_info.name : undefined;
  if (typeof li === 'string' && li) return li.toLowerCase();
  return null;
}

function stripLakebench(meta: unknown): Record<string, unknown> {
  if (!isObject(meta)) return {};
  const { lakebench: _lb, ...rest } = meta;
  return rest;
}

function upgradeToV4(raw: Record<string, unknown>, file: string, notices: string[]): Record<string, unknown> {
  if (raw.nbformat === 4) return raw;
  if (raw.nbformat === 3) {
    try {
      const upgraded = upgradeV3(raw);
      notices.push(
        'This notebook was written in nbformat 3 and was upgraded to nbformat 4 as Jupyter does; the file is unchanged until you save it.',
      );
      return upgraded;
    } catch (err) {
      fail(file, errorMessage(err));
    }
  }
  fail(
    file,
    `only nbformat 4 (and 3, upgraded on open) is supported (found ${JSON.stringify(raw.nbformat)})`,
  );
}

/**
 * Reads an `.ipynb`. Jupyter's rules: a notebook without a kernelspec is Python; code of another kernel
 * language (Julia, R) is kept read-only with its outputs; cell types and outputs of a newer 4.x minor version
 * are kept read-only and written back unchanged; v3 is upgraded. What had to be repaired is listed in
 * `notices`.
 */
export function parseIpynb(text: string, file: string): NotebookDocument {
  const notices: string[] = [];
  const parsed = parseJson(text, file);
  if (!isObject(parsed)) fail(file, 'the top level must be a JSON object');
  const raw = upgradeToV4(parsed, file, notices);
  if (!Array.isArray(raw.cells)) fail(file, '"cells" must be a list');
  const minor =
    typeof raw.nbformat_minor === 'number' && Number.isInteger(raw.nbformat_minor) ? raw.nbformat_minor : 0;
  const newerMinor = minor > KNOWN_NBFORMAT_MINOR;
  const metadata = repairNotebookMetadata(isObject(raw.metadata) ? raw.metadata : {}, notices);
  const lbMeta = isObject(metadata.lakebench) ? metadata.lakebench : {};
  const kernel = kernelLanguage(metadata);
  const foreignKernel = kernel !== null && kernel !== 'python' ? kernel : null;
  const defaultLanguage: CellLanguage = isCellLanguage(lbMeta.default_language)
    ? lbMeta.default_language
    : 'python';
  const seen = new Set<string>();
  let repairedIds = 0;
  const cells: NotebookCell[] = raw.cells.map((c: unknown, i: number) => {
    const where = `cell ${i + 1}`;
    if (!isObject(c)) fail(file, `${where} must be a JSON object`);
    const known = c.cell_type === 'code' || c.cell_type === 'markdown' || c.cell_type === 'raw';
    if (!known && !(newerMinor && typeof c.cell_type === 'string')) {
      fail(file, `${where}: unknown cell_type ${JSON.stringify(c.cell_type)}`);
    }
    const source = multiline(c.source ?? '', file, where);
    let id = typeof c.id === 'string' && CELL_ID.test(c.id) ? c.id : null;
    if (id !== null && seen.has(id)) id = null;
    // Before nbformat 4.5 cells had no ids: giving them one is the upgrade Jupyter makes, not a repair.
    if (id === null) {
      id = newCellId();
      if (minor >= 5 || c.id !== undefined) repairedIds++;
    }
    seen.add(id);
    const cellLb = isObject(c.metadata) && isObject(c.metadata.lakebench) ? c.metadata.lakebench : {};
    if (!known) {
      return {
        id,
        language: 'markdown',
        source,
        metadata: {},
        outputs: [],
        executionCount: null,
        readOnly: `a "${String(c.cell_type)}" cell of nbformat 4.${minor}, which Lakebench shows but cannot edit`,
        original: c,
      };
    }
    const cellType = c.cell_type as string;
    const cellMeta = repairCellMetadata(stripLakebench(c.metadata), cellType, where, notices);
    if (cellType !== 'code') {
      if (cellType === 'raw') cellMeta['lakebench_raw'] = true;
      const attachments = repairAttachments(c.attachments, where, notices);
      return {
        id,
        language: 'markdown',
        source,
        metadata: cellMeta,
        outputs: [],
        executionCount: null,
        ...(attachments ? { attachments } : {}),
      };
    }
    const outputs = repairOutputs(Array.isArray(c.outputs) ? c.outputs : [], newerMinor, where, notices);
    const executionCount =
      typeof c.execution_count === 'number' && Number.isInteger(c.execution_count) ? c.execution_count : null;
    // A cell may name a language Lakebench does not run (a Databricks notebook's %scala cell, say).
    const own = typeof cellLb.language === 'string' ? cellLb.language.toLowerCase() : null;
    const foreign = own !== null ? (isCellLanguage(own) ? null : own) : foreignKernel;
    const language = isCellLanguage(own) ? own : foreign ? null : defaultLanguage;
    if (language === null) {
      return {
        id,
        language: 'python',
        source,
        metadata: cellMeta,
        outputs,
        executionCount,
        readOnly:
          own === null
            ? `${foreign} code: this notebook's kernel is ${foreign}, which Lakebench does not run`
            : `a ${foreign} cell, which Lakebench keeps but does not run`,
        displayLanguage: foreign ?? undefined,
        original: { ...c, id },
      };
    }
    return { id, language, source, metadata: cellMeta, outputs, executionCount };
  });
  if (repairedIds)
    notices.push(
      `${repairedIds} cell${repairedIds === 1 ? ' had an invalid or duplicate id' : 's had invalid or duplicate ids'}; ${repairedIds === 1 ? 'it was' : 'they were'} given a new one.`,
    );
  return {
    metadata: stripLakebench(metadata),
    nbformatMinor: Math.max(minor, KNOWN_NBFORMAT_MINOR),
    cells,
    ...(notices.length ? { notices } : {}),
  };
}

/**
 * The language code cells default to: the one language all code cells share, SQL when they mix languages (as
 * Lakebench always wrote), and Python when there are none (Jupyter's default kernel).
 */
function defaultLanguageOf(doc: NotebookDocument): CellLanguage {
  const languages = new Set<CellLanguage>();
  for (const c of doc.cells) if (c.language !== 'markdown' && !c.readOnly) languages.add(c.language);
  if (languages.size === 0) return 'python';
  return languages.size === 1 ? [...languages][0] : 'sql';
}

/** Writes nbformat 4.5 JSON the way Jupyter does (one-space indent, sorted keys, trailing newline). */
export function serializeIpynb(doc: NotebookDocument): string {
  const defaultLanguage = defaultLanguageOf(doc);
  const notices: string[] = [];
  const cells = doc.cells.map((cell, i) => {
    if (cell.original) return { ...cell.original, id: cell.id };
    const { lakebench_raw: raw, ...rest } = cell.metadata;
    const cellType = cell.language === 'markdown' ? (raw ? 'raw' : 'markdown') : 'code';
    const meta = repairCellMetadata(rest, cellType, `cell ${i + 1}`, notices);
    if (cell.language === 'markdown') {
      return {
        ...(cell.attachments && Object.keys(cell.attachments).length
          ? { attachments: cell.attachments }
          : {}),
        cell_type: cellType,
        id: cell.id,
        metadata: meta,
        source: splitLines(cell.source),
      };
    }
    return {
      cell_type: 'code',
      execution_count: cell.executionCount,
      id: cell.id,
      // A Python cell of a Python notebook needs no Lakebench key, so a Jupyter notebook stays Jupyter's.
      metadata:
        cell.language === 'python' && defaultLanguage === 'python'
          ? meta
          : { ...meta, lakebench: { language: cell.language } },
      outputs: repairOutputs(
        cell.outputs,
        doc.nbformatMinor > KNOWN_NBFORMAT_MINOR,
        `cell ${i + 1}`,
        notices,
      ),
      source: splitLines(cell.source),
    };
  });
  const metadata = repairNotebookMetadata(doc.metadata, notices);
  const notebook = {
    cells,
    metadata:
      defaultLanguage === 'python'
        ? metadata
        : { ...metadata, lakebench: { default_language: defaultLanguage } },
    nbformat: 4,
    nbformat_minor: Math.max(doc.nbformatMinor, KNOWN_NBFORMAT_MINOR),
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
