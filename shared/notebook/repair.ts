/**
 * Repairs of what nbformat 4.5's schema refuses in notebook and cell metadata and in outputs, so that what
 * Lakebench writes back always validates. Each repair is described in a notice the user sees; a value that
 * cannot be repaired is removed (and named), never written back invalid.
 */

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isMultiline(v: unknown): boolean {
  return typeof v === 'string' || (Array.isArray(v) && v.every((s) => typeof s === 'string'));
}

/** Notebook-level metadata: kernelspec {name, display_name}, language_info {name}, title, authors. */
export function repairNotebookMetadata(metadata: Json, notices: string[]): Json {
  const out: Json = { ...metadata };
  if ('kernelspec' in out) {
    const ks = out.kernelspec;
    if (!isObject(ks) || typeof ks.name !== 'string') {
      delete out.kernelspec;
      notices.push('The notebook\'s "kernelspec" metadata was not valid and was removed.');
    } else if (typeof ks.display_name !== 'string') {
      out.kernelspec = { ...ks, display_name: ks.name };
      notices.push('The notebook\'s "kernelspec" had no display name; its name is used.');
    }
  }
  if ('language_info' in out) {
    const li = out.language_info;
    if (!isObject(li) || typeof li.name !== 'string') {
      delete out.language_info;
      notices.push('The notebook\'s "language_info" metadata was not valid and was removed.');
    } else {
      const fixed = { ...li };
      for (const key of ['file_extension', 'mimetype', 'pygments_lexer']) {
        if (key in fixed && typeof fixed[key] !== 'string') {
          delete fixed[key];
          notices.push(`The notebook's "language_info.${key}" was not text and was removed.`);
        }
      }
      const mode = fixed.codemirror_mode;
      if ('codemirror_mode' in fixed && typeof mode !== 'string' && !isObject(mode)) {
        delete fixed.codemirror_mode;
        notices.push('The notebook\'s "language_info.codemirror_mode" was not valid and was removed.');
      }
      out.language_info = fixed;
    }
  }
  if ('title' in out && typeof out.title !== 'string') {
    delete out.title;
    notices.push('The notebook\'s "title" was not text and was removed.');
  }
  if ('authors' in out && !Array.isArray(out.authors)) {
    delete out.authors;
    notices.push('The notebook\'s "authors" was not a list and was removed.');
  }
  // Jupyter never writes these to a file (they only say what a notebook was converted from).
  if ('orig_nbformat' in out && (typeof out.orig_nbformat !== 'number' || out.orig_nbformat < 1)) {
    delete out.orig_nbformat;
    notices.push('The notebook\'s "orig_nbformat" was not valid and was removed.');
  }
  return out;
}

/** Cell metadata: name, tags (unique, no commas), jupyter.*_hidden, collapsed, scrolled, editable, deletable. */
export function repairCellMetadata(metadata: Json, cellType: string, where: string, notices: string[]): Json {
  const out: Json = { ...metadata };
  const drop = (key: string, why: string) => {
    delete out[key];
    notices.push(`${where}: "${key}" metadata ${why} and was removed.`);
  };
  if ('name' in out && (typeof out.name !== 'string' || out.name === '')) drop('name', 'was not a name');
  if ('tags' in out) {
    if (!Array.isArray(out.tags)) drop('tags', 'was not a list');
    else {
      const tags = [
        ...new Set(out.tags.filter((t): t is string => typeof t === 'string' && /^[^,]+$/.test(t))),
      ];
      if (tags.length !== out.tags.length) {
        notices.push(`${where}: tags that were not unique, empty or without commas were removed.`);
        out.tags = tags;
      }
    }
  }
  if ('jupyter' in out) {
    if (!isObject(out.jupyter)) drop('jupyter', 'was not an object');
    else {
      const j = { ...out.jupyter };
      for (const key of ['source_hidden', 'outputs_hidden']) {
        if (key in j && typeof j[key] !== 'boolean') {
          delete j[key];
          notices.push(`${where}: "jupyter.${key}" was not true or false and was removed.`);
        }
      }
      out.jupyter = j;
    }
  }
  if (cellType === 'code') {
    if ('collapsed' in out && typeof out.collapsed !== 'boolean') drop('collapsed', 'was not true or false');
    if ('scrolled' in out && typeof out.scrolled !== 'boolean' && out.scrolled !== 'auto')
      drop('scrolled', 'was not true, false or "auto"');
    if ('execution' in out && !isObject(out.execution)) drop('execution', 'was not an object');
  }
  for (const key of ['editable', 'deletable'])
    if (key in out && typeof out[key] !== 'boolean') drop(key, 'was not true or false');
  if (cellType === 'raw' && 'format' in out && typeof out.format !== 'string') drop('format', 'was not text');
  return out;
}

const OUTPUT_TYPES = new Set(['execute_result', 'display_data', 'stream', 'error']);

function repairMimeBundle(data: unknown): Json | null {
  if (!isObject(data)) return null;
  const out: Json = {};
  for (const [mime, value] of Object.entries(data)) {
    if (/^application\/(.*\+)?json$/.test(mime) || isMultiline(value)) out[mime] = value;
  }
  return out;
}

/**
 * Outputs of a code cell. An output of a type nbformat 4.5 does not know is kept as it is when the notebook is
 * of a newer minor version (its schema allows it) and removed otherwise.
 */
export function repairOutputs(
  outputs: unknown[],
  newerMinor: boolean,
  where: string,
  notices: string[],
): Json[] {
  const out: Json[] = [];
  let dropped = 0;
  for (const o of outputs) {
    if (!isObject(o)) {
      dropped++;
      continue;
    }
    const type = o.output_type;
    if (typeof type !== 'string' || !OUTPUT_TYPES.has(type)) {
      if (newerMinor && typeof type === 'string') out.push(o);
      else dropped++;
      continue;
    }
    if (type === 'stream') {
      if ((o.name !== 'stdout' && o.name !== 'stderr') || !isMultiline(o.text)) dropped++;
      else out.push({ output_type: 'stream', name: o.name, text: o.text });
    } else if (type === 'error') {
      out.push({
        output_type: 'error',
        ename: typeof o.ename === 'string' ? o.ename : '',
        evalue: typeof o.evalue === 'string' ? o.evalue : '',
        traceback: Array.isArray(o.traceback) ? o.traceback.filter((s) => typeof s === 'string') : [],
      });
    } else {
      const data = repairMimeBundle(o.data);
      if (!data) {
        dropped++;
        continue;
      }
      const fixed: Json = { output_type: type, data, metadata: isObject(o.metadata) ? o.metadata : {} };
      if (type === 'execute_result')
        fixed.execution_count =
          typeof o.execution_count === 'number' && Number.isInteger(o.execution_count)
            ? o.execution_count
            : null;
      out.push(fixed);
    }
  }
  if (dropped)
    notices.push(
      `${where}: ${dropped} output${dropped === 1 ? '' : 's'} that nbformat refuses were removed.`,
    );
  return out;
}

/** Attachments of a Markdown or raw cell: name -> MIME bundle. Invalid entries are removed. */
export function repairAttachments(
  value: unknown,
  where: string,
  notices: string[],
): Record<string, Json> | undefined {
  if (value === undefined) return undefined;
  if (!isObject(value)) {
    notices.push(`${where}: "attachments" was not an object and was removed.`);
    return undefined;
  }
  const out: Record<string, Json> = {};
  for (const [name, bundle] of Object.entries(value)) {
    const data = repairMimeBundle(bundle);
    if (data) out[name] = data;
    else notices.push(`${where}: the attachment "${name}" was not valid and was removed.`);
  }
  return out;
}
