import { useEffect, useRef } from 'react';
import 'monaco-editor/languages/definitions/yaml/register.js';
import 'monaco-editor/languages/definitions/shell/register.js';
import { monaco, THEME } from '../notebooks/monaco';

export interface CodeMarker {
  /** 0-based offsets in the text. */
  offset: number;
  endOffset: number;
  message: string;
}

interface Props {
  value: string;
  language: 'sql' | 'python' | 'shell' | 'yaml';
  onChange(value: string): void;
  markers?: readonly CodeMarker[];
  testId?: string;
  ariaLabel: string;
  /** Fill the parent (the YAML tab) instead of growing with the content (a form field). */
  fill?: boolean;
  /** Jump here when it changes (a node's task in the YAML). */
  revealOffset?: number | null;
}

const MIN = 60;
const MAX = 360;

/** Monaco with the app's theme and setup: a form field that grows with its text, or a whole-tab editor. */
export function CodeEditor(props: Props) {
  const host = useRef<HTMLDivElement>(null);
  const editorRef = useRef<monaco.editor.IStandaloneCodeEditor | null>(null);
  const latest = useRef(props);
  latest.current = props;

  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const model = monaco.editor.createModel(latest.current.value, latest.current.language);
    const fill = latest.current.fill ?? false;
    const editor = monaco.editor.create(el, {
      model,
      theme: THEME,
      minimap: { enabled: false },
      lineNumbers: 'on',
      lineNumbersMinChars: 3,
      glyphMargin: false,
      folding: fill,
      scrollBeyondLastLine: false,
      overviewRulerLanes: fill ? 2 : 0,
      fontSize: 12.5,
      lineHeight: 18,
      fontFamily:
        "'JetBrains Mono', 'Cascadia Code', 'SF Mono', Menlo, Consolas, 'DejaVu Sans Mono', monospace",
      padding: { top: 4, bottom: 4 },
      tabSize: 2,
      insertSpaces: true,
      automaticLayout: false,
      fixedOverflowWidgets: true,
      stickyScroll: { enabled: false },
      scrollbar: { alwaysConsumeMouseWheel: fill, verticalScrollbarSize: 8, horizontalScrollbarSize: 8 },
      renderLineHighlightOnlyWhenFocus: true,
      ariaLabel: latest.current.ariaLabel,
    });
    editorRef.current = editor;
    const layout = () => {
      if (fill) {
        editor.layout({ width: el.clientWidth, height: el.clientHeight });
        return;
      }
      const h = Math.min(MAX, Math.max(MIN, editor.getContentHeight()));
      el.style.height = `${h}px`;
      editor.layout({ width: el.clientWidth, height: h });
    };
    const sizeSub = editor.onDidContentSizeChange(layout);
    const observer = new ResizeObserver(layout);
    observer.observe(el);
    layout();
    const changeSub = editor.onDidChangeModelContent(() => {
      const v = model.getValue();
      if (v !== latest.current.value) latest.current.onChange(v);
    });
    return () => {
      sizeSub.dispose();
      changeSub.dispose();
      observer.disconnect();
      editor.dispose();
      model.dispose();
      editorRef.current = null;
    };
  }, []);

  useEffect(() => {
    const editor = editorRef.current;
    const model = editor?.getModel();
    if (!editor || !model || model.getValue() === props.value) return;
    // Keep the cursor where it was when the text changes from elsewhere (an edit on the graph).
    const selection = editor.getSelection();
    editor.executeEdits('lakebench', [{ range: model.getFullModelRange(), text: props.value }]);
    editor.pushUndoStop();
    if (selection) editor.setSelection(selection);
  }, [props.value]);

  useEffect(() => {
    const model = editorRef.current?.getModel();
    if (!model) return;
    monaco.editor.setModelMarkers(
      model,
      'lakebench',
      (props.markers ?? []).map((m) => {
        const start = model.getPositionAt(m.offset);
        const end = model.getPositionAt(Math.max(m.endOffset, m.offset + 1));
        return {
          severity: monaco.MarkerSeverity.Error,
          message: m.message,
          startLineNumber: start.lineNumber,
          startColumn: start.column,
          endLineNumber: end.lineNumber,
          endColumn: end.column,
        };
      }),
    );
  }, [props.markers, props.value]);

  useEffect(() => {
    const editor = editorRef.current;
    const model = editor?.getModel();
    if (!editor || !model || props.revealOffset === null || props.revealOffset === undefined) return;
    const pos = model.getPositionAt(props.revealOffset);
    editor.revealLineInCenter(pos.lineNumber);
    editor.setPosition(pos);
  }, [props.revealOffset]);

  return (
    <div className={props.fill ? 'code-editor fill' : 'code-editor'} ref={host} data-testid={props.testId} />
  );
}
