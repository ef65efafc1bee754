import type {
  CellLanguage,
  NotebookCell,
  NotebookDocument,
  NotebookOutput,
} from '../../shared/notebook/model';

/** Pure edits of a stored notebook; each returns the same object when nothing changes. */

function mapCell(doc: NotebookDocument, id: string, f: (c: NotebookCell) => NotebookCell): NotebookDocument {
  let changed = false;
  const cells = doc.cells.map((c) => {
    if (c.id !== id) return c;
    const next = f(c);
    if (next !== c) changed = true;
    return next;
  });
  return changed ? { ...doc, cells } : doc;
}

export function insertCell(doc: NotebookDocument, index: number, cell: NotebookCell): NotebookDocument {
  const at = Math.max(0, Math.min(index, doc.cells.length));
  return { ...doc, cells: [...doc.cells.slice(0, at), cell, ...doc.cells.slice(at)] };
}

export function removeCell(doc: NotebookDocument, id: string): NotebookDocument {
  const cells = doc.cells.filter((c) => c.id !== id);
  return cells.length === doc.cells.length ? doc : { ...doc, cells };
}

export function moveCell(doc: NotebookDocument, id: string, delta: number): NotebookDocument {
  const from = doc.cells.findIndex((c) => c.id === id);
  const to = from + delta;
  if (from < 0 || to < 0 || to >= doc.cells.length || delta === 0) return doc;
  const cells = [...doc.cells];
  const [cell] = cells.splice(from, 1);
  cells.splice(to, 0, cell);
  return { ...doc, cells };
}

export function setSource(doc: NotebookDocument, id: string, source: string): NotebookDocument {
  return mapCell(doc, id, (c) => (c.source === source ? c : { ...c, source }));
}

export function setLanguage(doc: NotebookDocument, id: string, language: CellLanguage): NotebookDocument {
  return mapCell(doc, id, (c) =>
    // Outputs belong to what the cell was; a markdown cell has none.
    c.language === language ? c : { ...c, language, outputs: [], executionCount: null },
  );
}

export function setOutputs(
  doc: NotebookDocument,
  id: string,
  outputs: NotebookOutput[],
  executionCount: number | null,
): NotebookDocument {
  return mapCell(doc, id, (c) => ({ ...c, outputs, executionCount }));
}

export function maxExecutionCount(doc: NotebookDocument): number {
  return doc.cells.reduce((m, c) => Math.max(m, c.executionCount ?? 0), 0);
}
