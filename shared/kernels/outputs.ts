import type { NotebookOutput } from '../notebook/model';

/**
 * Kernel outputs in nbformat's shape, as the host stores them and the renderer shows them. Pure, so both sides
 * build the same list from the same stream of outputs.
 */

/** Stream text kept per execution; a cell that prints more keeps its last part and a note. */
export const MAX_STREAM_CHARS = 5_000_000;

/** A stream output's text, whether stored as one string or as nbformat's list of lines. */
export function outputText(value: unknown): string {
  if (Array.isArray(value)) return value.map(String).join('');
  return value === undefined || value === null ? '' : String(value);
}

/** Appends an output, joining consecutive text of one stream, as Jupyter stores it. Returns a new list. */
export function appendOutput(outputs: readonly NotebookOutput[], output: NotebookOutput): NotebookOutput[] {
  const last = outputs[outputs.length - 1];
  if (output.output_type === 'stream' && last?.output_type === 'stream' && last.name === output.name) {
    let text = outputText(last.text) + outputText(output.text);
    if (text.length > MAX_STREAM_CHARS)
      text = `[output truncated: only the last ${MAX_STREAM_CHARS} characters are kept]\n${text.slice(-MAX_STREAM_CHARS)}`;
    return [...outputs.slice(0, -1), { ...last, text }];
  }
  return [...outputs, output];
}

/** Terminal colours and cursor codes out of text (IPython colours its tracebacks with ANSI escapes). */
export function stripAnsi(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '');
}
