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
  /** Files embedded in a Markdown or raw cell (`attachment:NAME` in its source): name -> MIME bundle. */
  attachments?: Record<string, Record<string, unknown>>;
  /**
   * Why the cell cannot be edited or run here (a cell type of a newer nbformat, or code of another kernel
   * language); such a cell is written back exactly as it was read.
   */
  readOnly?: string;
  /** The language a read-only code cell is written in (julia, r, ...), for highlighting. */
  displayLanguage?: string;
  /** The cell as read, for a read-only cell: written back unchanged. */
  original?: Record<string, unknown>;
}

export interface NotebookDocument {
  /** Notebook-level metadata other than Lakebench's own keys. */
  metadata: Record<string, unknown>;
  nbformatMinor: number;
  cells: NotebookCell[];
  /** What was repaired or upgraded when the file was read (shown to the user, never saved). */
  notices?: string[];
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

/** The kernel Lakebench runs Python cells in, as Jupyter names it in a notebook's metadata. */
export const PYTHON_KERNELSPEC = {
  name: 'python3',
  display_name: 'Python 3 (ipykernel)',
  language: 'python',
};

export function emptyNotebook(): NotebookDocument {
  return {
    metadata: {
      kernelspec: { ...PYTHON_KERNELSPEC },
      language_info: { name: 'python' },
    },
    nbformatMinor: 5,
    cells: [newCell('sql')],
  };
}
