import { LakebenchError } from '../errors';
import type { CellLanguage, NotebookCell, NotebookDocument } from './model';
import { emptyNotebook, newCell } from './model';

/**
 * Databricks' notebook source format, the one `databricks workspace export --format SOURCE` writes and the
 * workspace imports: a header line, cells separated by `COMMAND ----------` lines, and cells in a language other
 * than the notebook's written behind `MAGIC` prefixes with their magic (`%md`, `%sql`, `%python`, `%scala`,
 * `%r`, `%sh`). Python notebooks use `#` comments (`.py`), SQL notebooks `--` (`.sql`).
 */

export type DatabricksLanguage = 'python' | 'sql';

const COMMENT: Record<DatabricksLanguage, string> = { python: '#', sql: '--' };

/** Magics of the cells Lakebench runs or renders, and of the languages it keeps read-only. */
const MAGIC_LANGUAGES = new Set([
  'md',
  'md-sandbox',
  'sql',
  'python',
  'scala',
  'r',
  'sh',
  'fs',
  'run',
  'pip',
]);

/** The notebook's language for export: Python unless every code cell is SQL. */
export function databricksLanguageOf(doc: NotebookDocument): DatabricksLanguage {
  const code = doc.cells.filter((c) => c.language !== 'markdown' && !c.readOnly);
  return code.length > 0 && code.every((c) => c.language === 'sql') ? 'sql' : 'python';
}

function magicOf(cell: NotebookCell): string | null {
  if (cell.readOnly && cell.displayLanguage) return cell.displayLanguage.toLowerCase();
  if (cell.language === 'markdown') return 'md';
  return cell.language;
}

/** The notebook as Databricks source. Python, SQL and Markdown cells, and kept cells of other languages. */
export function toDatabricksSource(doc: NotebookDocument, language = databricksLanguageOf(doc)): string {
  const c = COMMENT[language];
  const blocks: string[] = [];
  for (const cell of doc.cells) {
    if (cell.original && !cell.displayLanguage) continue; // a newer nbformat's cell type has no Databricks form
    if (cell.metadata.lakebench_raw) continue; // raw cells are not part of a Databricks notebook
    const magic = magicOf(cell);
    const source = cell.source.replace(/\s+$/, '');
    const title = typeof cell.metadata.name === 'string' ? `${c} DBTITLE 1,${cell.metadata.name}\n` : '';
    if (magic === language) {
      blocks.push(`${title}${source}`);
    } else {
      const lines = [`%${magic}`, ...(source ? source.split('\n') : [])];
      blocks.push(title + lines.map((l) => (l ? `${c} MAGIC ${l}` : `${c} MAGIC`)).join('\n'));
    }
  }
  return `${c} Databricks notebook source\n${blocks.join(`\n\n${c} COMMAND ----------\n\n`)}\n`;
}

function fail(file: string, message: string, line?: number): never {
  throw new LakebenchError('NOTEBOOK_INVALID', `${file}: ${message}`, {
    file,
    ...(line !== undefined ? { line } : {}),
  });
}

function languageOfMagic(
  magic: string,
  file: string,
  line: number,
): { cell: CellLanguage | null; name: string } {
  switch (magic) {
    case 'md':
    case 'md-sandbox':
      return { cell: 'markdown', name: 'markdown' };
    case 'sql':
      return { cell: 'sql', name: 'sql' };
    case 'python':
    case 'pip':
      return { cell: magic === 'pip' ? null : 'python', name: magic };
    default:
      if (MAGIC_LANGUAGES.has(magic)) return { cell: null, name: magic };
      fail(file, `line ${line}: unknown magic %${magic}`, line);
  }
}

/**
 * Reads Databricks source (`.py` or `.sql`). Cells in a language Lakebench does not run (`%scala`, `%r`, `%sh`,
 * `%fs`, `%run`, `%pip`) are kept read-only with their language, so an export writes them back.
 */
export function fromDatabricksSource(text: string, file: string): NotebookDocument {
  const normalized = text.replace(/\r\n/g, '\n');
  const header = /^(#|--) Databricks notebook source[^\n]*\n?/.exec(normalized);
  if (!header)
    fail(file, 'is not a Databricks notebook: the first line must be "# Databricks notebook source"', 1);
  const c = header[1];
  const language: DatabricksLanguage = c === '--' ? 'sql' : 'python';
  const separator = `${c} COMMAND ----------`;
  const doc = emptyNotebook();
  doc.cells = [];
  const lines = normalized.slice(header[0].length).split('\n');
  let block: { start: number; lines: string[] } = { start: 2, lines: [] };
  const blocks: (typeof block)[] = [];
  lines.forEach((l, i) => {
    if (l.trimEnd() === separator) {
      blocks.push(block);
      block = { start: i + 3, lines: [] };
    } else block.lines.push(l);
  });
  blocks.push(block);
  for (const b of blocks) {
    let body = b.lines;
    let line = b.start;
    while (body.length && !body[0].trim()) {
      body = body.slice(1);
      line++;
    }
    while (body.length && !body[body.length - 1].trim()) body = body.slice(0, -1);
    if (!body.length) continue;
    let title: string | null = null;
    const titleMatch = new RegExp(`^${c === '#' ? '#' : '--'} DBTITLE \\d+,(.*)$`).exec(body[0]);
    if (titleMatch) {
      title = titleMatch[1];
      body = body.slice(1);
      line++;
    }
    const magicPrefix = `${c} MAGIC`;
    let cell: NotebookCell;
    if (body.length && body.every((l) => l === magicPrefix || l.startsWith(`${magicPrefix} `))) {
      const stripped = body.map((l) => (l === magicPrefix ? '' : l.slice(magicPrefix.length + 1)));
      const first = /^%([\w-]+)\s?(.*)$/.exec(stripped[0]);
      if (!first) fail(file, `line ${line}: a MAGIC cell must start with a magic such as %md`, line);
      const magic = first[1].toLowerCase();
      const { cell: lang, name } = languageOfMagic(magic, file, line);
      const source = [first[2], ...stripped.slice(1)].filter((l, i) => i > 0 || l !== '').join('\n');
      if (lang) {
        cell = newCell(lang, source);
      } else {
        cell = newCell('python', source);
        cell.readOnly = `a %${name} cell, which Lakebench keeps but does not run`;
        cell.displayLanguage = name;
        cell.original = {
          cell_type: 'code',
          execution_count: null,
          metadata: { lakebench: { language: name } },
          outputs: [],
          source: cell.source,
        };
      }
    } else {
      cell = newCell(language, body.join('\n'));
    }
    if (title) cell.metadata = { ...cell.metadata, name: title };
    doc.cells.push(cell);
  }
  if (doc.cells.length === 0) doc.cells.push(newCell(language));
  return doc;
}
