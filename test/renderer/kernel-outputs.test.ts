import { describe, expect, it } from 'vitest';
import { appendOutput } from '../../shared/kernels/outputs';
import { applyCarriageReturns, parseAnsi, segmentColor, xtermColor } from '../../renderer/notebooks/ansi';
import {
  cellRuntimeOf,
  cellRuntimeReducer,
  emptyRuntime,
  type CellAction,
  type NotebookRuntime,
} from '../../renderer/notebooks/cell-runtime';
import { htmlOutputDocument, imageDataUrl, pickMime } from '../../renderer/notebooks/mime';

const run = (actions: CellAction[], from: NotebookRuntime = emptyRuntime) =>
  actions.reduce(cellRuntimeReducer, from);

const stdout = (text: string) => ({ output_type: 'stream', name: 'stdout', text });

describe('Python cell runtime', () => {
  it('collects streamed outputs, joining one stream, and ends succeeded', () => {
    const state = run([
      { type: 'startExecution', cellId: 'c', executionId: 'e1', at: 1 },
      { type: 'kernelOutput', executionId: 'e1', output: stdout('a\n') },
      { type: 'kernelOutput', executionId: 'e1', output: stdout('b\n') },
      {
        type: 'kernelOutput',
        executionId: 'e1',
        output: {
          output_type: 'execute_result',
          data: { 'text/plain': '2' },
          metadata: {},
          execution_count: 1,
        },
      },
    ]);
    const cell = cellRuntimeOf(state, 'c');
    expect(cell.status).toBe('running');
    expect(cell.outputs).toEqual([
      stdout('a\nb\n'),
      { output_type: 'execute_result', data: { 'text/plain': '2' }, metadata: {}, execution_count: 1 },
    ]);
    const done = run(
      [{ type: 'kernelFinish', executionId: 'e1', status: 'ok', error: null, elapsedMs: 5 }],
      state,
    );
    expect(cellRuntimeOf(done, 'c')).toMatchObject({ status: 'succeeded', error: null, elapsedMs: 5 });
    expect(done.queries).toEqual({});
  });

  it('fails with the exception, and an interrupt the user asked for is a cancel', () => {
    const raised = run([
      { type: 'startExecution', cellId: 'c', executionId: 'e1', at: 1 },
      {
        type: 'kernelOutput',
        executionId: 'e1',
        output: { output_type: 'error', ename: 'ValueError', evalue: 'bad', traceback: [] },
      },
      { type: 'kernelFinish', executionId: 'e1', status: 'error', error: null, elapsedMs: 3 },
    ]);
    expect(cellRuntimeOf(raised, 'c').status).toBe('failed');
    expect(cellRuntimeOf(raised, 'c').error).toEqual({ code: 'PYTHON_ERROR', message: 'ValueError: bad' });

    const interrupted = run([
      { type: 'startExecution', cellId: 'c', executionId: 'e2', at: 1 },
      { type: 'cancelRequested', cellId: 'c' },
      {
        type: 'kernelOutput',
        executionId: 'e2',
        output: { output_type: 'error', ename: 'KeyboardInterrupt', evalue: '', traceback: [] },
      },
      { type: 'kernelFinish', executionId: 'e2', status: 'error', error: null, elapsedMs: 3 },
    ]);
    expect(cellRuntimeOf(interrupted, 'c').status).toBe('cancelled');

    const noKernel = run([
      { type: 'startExecution', cellId: 'c', executionId: 'e3', at: 1 },
      {
        type: 'kernelFinish',
        executionId: 'e3',
        status: 'failed',
        error: { code: 'KERNEL_UNAVAILABLE', message: '/usr/bin/python3 cannot import ipykernel' },
        elapsedMs: 3,
      },
    ]);
    expect(cellRuntimeOf(noKernel, 'c').error?.code).toBe('KERNEL_UNAVAILABLE');
  });

  it('clears outputs now or on the next output, and ignores events of a superseded execution', () => {
    const state = run([
      { type: 'startExecution', cellId: 'c', executionId: 'old', at: 1 },
      { type: 'startExecution', cellId: 'c', executionId: 'new', at: 2 },
      { type: 'kernelOutput', executionId: 'old', output: stdout('stale') },
      { type: 'kernelOutput', executionId: 'new', output: stdout('1') },
      { type: 'kernelClearOutput', executionId: 'new', wait: true },
    ]);
    expect(cellRuntimeOf(state, 'c').outputs).toEqual([stdout('1')]);
    const next = run([{ type: 'kernelOutput', executionId: 'new', output: stdout('2') }], state);
    expect(cellRuntimeOf(next, 'c').outputs).toEqual([stdout('2')]);
    const cleared = run([{ type: 'kernelClearOutput', executionId: 'new', wait: false }], next);
    expect(cellRuntimeOf(cleared, 'c').outputs).toEqual([]);
  });
});

describe('kernel outputs', () => {
  it('joins consecutive text of one stream only', () => {
    let outputs = appendOutput([], stdout('a'));
    outputs = appendOutput(outputs, { output_type: 'stream', name: 'stderr', text: 'e' });
    outputs = appendOutput(outputs, stdout('b'));
    outputs = appendOutput(outputs, stdout('c'));
    expect(outputs).toEqual([
      stdout('a'),
      { output_type: 'stream', name: 'stderr', text: 'e' },
      stdout('bc'),
    ]);
  });

  it("draws IPython's colours as styled segments and drops other escapes", () => {
    const segments = parseAnsi(
      '\u001b[0;31mValueError\u001b[0m: bad\u001b[K \u001b[1;38;5;28mok\u001b[39;22m!',
    );
    expect(segments).toEqual([
      { text: 'ValueError', fg: '#e06c75' },
      { text: ': bad ' },
      { text: 'ok', fg: xtermColor(28), bold: true },
      { text: '!' },
    ]);
    expect(segments.map((s) => s.text).join('')).toBe('ValueError: bad ok!');
    // A dark grey on a highlight draws in the app's text colour.
    const [highlighted] = parseAnsi('\u001b[38;5;241;43manswer\u001b[39;49m');
    expect(highlighted.bg).toBe('rgba(229, 192, 123, 0.3)');
    expect(segmentColor(highlighted)).toBeUndefined();
    // Pure blue (xterm 21) is lightened to read on the dark page; light colours stay as they are.
    expect(segmentColor({ text: 'time', fg: xtermColor(21) })).toBe('rgb(115, 115, 255)');
    expect(segmentColor({ text: 'x', fg: '#e5c07b' })).toBe('#e5c07b');
  });

  it('keeps what a terminal shows of lines redrawn with carriage returns', () => {
    expect(applyCarriageReturns('10%\r50%\r100%\ndone\r\n')).toBe('100%\ndone\n');
    expect(applyCarriageReturns('working\r')).toBe('working');
  });

  it('prefers HTML, then images, then text, and never JavaScript', () => {
    expect(pickMime({ 'text/plain': 'x', 'text/html': '<b>x</b>' })).toBe('text/html');
    expect(pickMime({ 'text/plain': 'x', 'image/png': 'AAA' })).toBe('image/png');
    expect(pickMime({ 'application/javascript': 'alert(1)', 'text/plain': 'x' })).toBe('text/plain');
    expect(pickMime({ 'application/javascript': 'alert(1)' })).toBeNull();
    expect(imageDataUrl('image/png', ['AA\n', 'BB'])).toBe('data:image/png;base64,AABB');
    expect(htmlOutputDocument('<b>x</b>')).toContain('<body><b>x</b></body>');
  });
});
