/**
 * Upgrading an nbformat 3 notebook to nbformat 4, the way Jupyter's own converter does: worksheets flattened,
 * heading cells become Markdown headings, `input`/`prompt_number` become `source`/`execution_count`, and
 * outputs move their data under MIME-type keys.
 */

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** v3 output data keys and the MIME types nbformat 4 names them by. */
const MIME_OF_ALIAS: Record<string, string> = {
  text: 'text/plain',
  html: 'text/html',
  svg: 'image/svg+xml',
  png: 'image/png',
  jpeg: 'image/jpeg',
  latex: 'text/latex',
  json: 'application/json',
  javascript: 'application/javascript',
};

function toMimeKeys(d: Json): Json {
  const out: Json = {};
  for (const [key, value] of Object.entries(d)) out[MIME_OF_ALIAS[key] ?? key] = value;
  return out;
}

function text(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.filter((s) => typeof s === 'string').join('');
  return '';
}

function upgradeOutput(output: Json): Json {
  const type = output.output_type;
  if (type === 'pyout' || type === 'display_data') {
    const data: Json = {};
    for (const [key, value] of Object.entries(output)) {
      if (key === 'output_type' || key === 'prompt_number' || key === 'metadata') continue;
      data[key] = value;
    }
    const mimeData = toMimeKeys(data);
    if (typeof mimeData['application/json'] === 'string') {
      try {
        mimeData['application/json'] = JSON.parse(mimeData['application/json']);
      } catch {
        // JSON output that does not parse is kept as the text it was, under text/plain.
        mimeData['text/plain'] ??= mimeData['application/json'];
        delete mimeData['application/json'];
      }
    }
    const upgraded: Json = {
      output_type: type === 'pyout' ? 'execute_result' : 'display_data',
      data: mimeData,
      metadata: isObject(output.metadata) ? toMimeKeys(output.metadata) : {},
    };
    if (type === 'pyout')
      upgraded.execution_count = typeof output.prompt_number === 'number' ? output.prompt_number : null;
    return upgraded;
  }
  if (type === 'pyerr') {
    return {
      output_type: 'error',
      ename: typeof output.ename === 'string' ? output.ename : '',
      evalue: typeof output.evalue === 'string' ? output.evalue : '',
      traceback: Array.isArray(output.traceback) ? output.traceback.filter((s) => typeof s === 'string') : [],
    };
  }
  if (type === 'stream') {
    return {
      output_type: 'stream',
      name: output.stream === 'stderr' ? 'stderr' : 'stdout',
      text: output.text ?? '',
    };
  }
  return output;
}

function upgradeCell(cell: Json): Json {
  const metadata = isObject(cell.metadata) ? { ...cell.metadata } : {};
  if (cell.cell_type === 'code') {
    if ('collapsed' in cell && typeof cell.collapsed === 'boolean') metadata.collapsed = cell.collapsed;
    return {
      cell_type: 'code',
      metadata,
      source: cell.input ?? '',
      execution_count: typeof cell.prompt_number === 'number' ? cell.prompt_number : null,
      outputs: Array.isArray(cell.outputs) ? cell.outputs.filter(isObject).map(upgradeOutput) : [],
    };
  }
  if (cell.cell_type === 'heading') {
    const level = typeof cell.level === 'number' && cell.level >= 1 && cell.level <= 6 ? cell.level : 1;
    const single = text(cell.source).split(/\r?\n/).join(' ');
    return { cell_type: 'markdown', metadata, source: `${'#'.repeat(level)} ${single}` };
  }
  if (cell.cell_type === 'html') return { cell_type: 'markdown', metadata, source: cell.source ?? '' };
  return { ...cell, metadata };
}

/**
 * The nbformat 4 form of a v3 notebook object. Throws a plain Error naming what is missing; the caller adds the
 * file's name.
 */
export function upgradeV3(nb: Json): Json {
  if (!Array.isArray(nb.worksheets)) throw new Error('an nbformat 3 notebook must have "worksheets"');
  const cells: Json[] = [];
  for (const ws of nb.worksheets) {
    if (!isObject(ws) || !Array.isArray(ws.cells)) continue;
    for (const cell of ws.cells) if (isObject(cell)) cells.push(upgradeCell(cell));
  }
  const { name: _name, signature: _signature, ...metadata } = isObject(nb.metadata) ? nb.metadata : {};
  return { cells, metadata, nbformat: 4, nbformat_minor: 5 };
}
