/** What a notebook is on disk, apart from anything it is doing at run time (that lives in the renderer). */
export const CELL_LANGUAGES = ['sql', 'markdown', 'python', 'javascript'] as const;
export type CellLanguage = (typeof CELL_LANGUAGES)[number];

/** An nbformat output, kept as Jupyter wrote it so nothing is lost on a round trip. */
export type NotebookOutput = Record<string, unknown>;

export interface NotebookCell {
  id: string;
  language: CellLanguage;
  source: string;
  /** Cell metadata other than Lakebench's own keys, kept for a lossless round trip. */
  metadata: Record<string, unknown>;
  outputs: NotebookOutput[];
  executionCount: number | null;
}

export interface NotebookDocument {
  /** Notebook-level metadata other than Lakebench's own keys. */
  metadata: Record<string, unknown>;
  nbformatMinor: number;
  cells: NotebookCell[];
}

let idCounter = 0;
/** A cell id as nbformat 4.5 wants it: 1-64 characters of letters, digits, `-` and `_`. */
export function newCellId(): string {
  idCounter = (idCounter + 1) % 0x10000;
  const rand = Math.floor(Math.random() * 0xffffffff)
    .toString(16)
    .padStart(8, '0');
  return `${Date.now().toString(36)}-${rand}${idCounter.toString(16)}`;
}

export function newCell(language: CellLanguage, source = ''): NotebookCell {
  return { id: newCellId(), language, source, metadata: {}, outputs: [], executionCount: null };
}

export function emptyNotebook(): NotebookDocument {
  return { metadata: {}, nbformatMinor: 5, cells: [newCell('sql')] };
}
