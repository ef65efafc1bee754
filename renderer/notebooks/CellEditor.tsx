import { useEffect, useRef } from 'react';
import type { CellLanguage } from '../../shared/notebook/model';
import { enterBreaksLine, usePreferences } from '../state/preferences';
import { cellModelUri } from './python-completion';
import { monaco, THEME } from './monaco';

export interface ErrorMarker {
  line: number;
  column: number;
  message: string;
}

interface Props {
  testId?: string;
  /** The notebook the cell is in: Python completion asks that notebook's kernel. */
  notebook?: string;
  value: string;
  language: CellLanguage;
  readOnly?: boolean;
  /** Take keyboard focus now (after Shift+Enter moved here, or a cell was added). */
  focus?: boolean;
  marker: ErrorMarker | null;
  onChange(value: string): void;
  onRun(): void;
  onRunAndAdvance(): void;
  onSave(): void;
  onFocused?(): void;
  onBlur?(): void;
}

const MIN_HEIGHT = 22;

/** One Monaco editor that grows with its content, with the notebook's keys (Shift+Enter, Ctrl/Cmd+Enter, Ctrl/Cmd+S). */
export function CellEditor(props: Props) {
  const host = useRef<HTMLDivElement>(null);
  const editorRef = useRef<monaco.editor.IStandaloneCodeEditor | null>(null);
  const latest = useRef(props);
  latest.current = props;

  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const model = monaco.editor.createModel(
      latest.current.value,
      latest.current.language,
      latest.current.notebook ? cellModelUri(monaco, latest.current.notebook) : undefined,
    );
    const editor = monaco.editor.create(el, {
      model,
      theme: THEME,
      readOnly: latest.current.readOnly ?? false,
      minimap: { enabled: false },
      lineNumbers: 'on',
      lineNumbersMinChars: 3,
      lineDecorationsWidth: 6,
      glyphMargin: false,
      folding: false,
      scrollBeyondLastLine: false,
      overviewRulerLanes: 0,
      hideCursorInOverviewRuler: true,
      overviewRulerBorder: false,
      renderLineHighlight: 'line',
      renderLineHighlightOnlyWhenFocus: true,
      scrollbar: {
        vertical: 'hidden',
        horizontal: 'auto',
        alwaysConsumeMouseWheel: false,
        horizontalScrollbarSize: 8,
      },
      fontSize: 13,
      lineHeight: 19,
      // Rows of the suggestion list sized for their label and detail, so the last row is not cut off.
      suggestLineHeight: 22,
      fontFamily:
        "'JetBrains Mono', 'Cascadia Code', 'SF Mono', Menlo, Consolas, 'DejaVu Sans Mono', monospace",
      padding: { top: 6, bottom: 6 },
      wordWrap: latest.current.language === 'markdown' ? 'on' : 'off',
      tabSize: latest.current.language === 'python' ? 4 : 2,
      automaticLayout: false,
      fixedOverflowWidgets: true,
      contextmenu: true,
      stickyScroll: { enabled: false },
      quickSuggestions: { other: true, comments: false, strings: false },
      // SQL has the catalog's completion; words of the cell would only crowd it.
      wordBasedSuggestions: latest.current.language === 'sql' ? 'off' : 'currentDocument',
      ariaLabel: `${latest.current.language} cell`,
    });
    editorRef.current = editor;

    let height = MIN_HEIGHT;
    const layout = () => {
      const contentHeight = Math.max(MIN_HEIGHT, editor.getContentHeight());
      if (contentHeight !== height) {
        height = contentHeight;
        el.style.height = `${contentHeight}px`;
      }
      editor.layout({ width: el.clientWidth, height });
    };
    el.style.height = `${height}px`;
    const sizeSub = editor.onDidContentSizeChange(layout);
    const observer = new ResizeObserver(() => editor.layout({ width: el.clientWidth, height }));
    observer.observe(el);
    layout();

    const changeSub = editor.onDidChangeModelContent(() => {
      monaco.editor.setModelMarkers(model, 'lakebench', []);
      const v = model.getValue();
      if (v !== latest.current.value) latest.current.onChange(v);
    });
    const focusSub = editor.onDidFocusEditorText(() => latest.current.onFocused?.());
    const blurSub = editor.onDidBlurEditorText(() => latest.current.onBlur?.());

    // Handled before Monaco's keybindings, so Shift+Enter runs the cell even while the suggestion list is
    // open (where Monaco would accept an alternative suggestion instead).
    // Enter with the suggestion list open breaks the line, as in VS Code, unless the list was navigated
    // (arrows) or asked for (Ctrl+Space): `SELECT fare⏎FROM trips` must not become `SELECT fareFROM trips`.
    let listNavigated = false;
    const suggestVisible = () => !!editor.getDomNode()?.querySelector('.suggest-widget.visible');
    const keySub = editor.onKeyDown((e) => {
      const mod = e.ctrlKey || e.metaKey;
      const K = monaco.KeyCode;
      if ([K.UpArrow, K.DownArrow, K.PageUp, K.PageDown].includes(e.keyCode)) listNavigated = true;
      else if (e.keyCode === K.Space && e.ctrlKey) listNavigated = true;
      else if (e.keyCode === K.Enter && !e.shiftKey && !mod && !e.altKey) {
        const breakLine =
          suggestVisible() && enterBreaksLine(usePreferences.getState().enterAccepts, listNavigated);
        listNavigated = false;
        if (breakLine) {
          e.preventDefault();
          e.stopPropagation();
          editor.trigger('lakebench', 'hideSuggestWidget', null);
          editor.trigger('keyboard', 'type', { text: '\n' });
          return;
        }
      } else if (![K.Shift, K.Ctrl, K.Alt, K.Meta, K.Tab].includes(e.keyCode)) listNavigated = false;
      let handler: (() => void) | null = null;
      if (e.keyCode === monaco.KeyCode.Enter && e.shiftKey && !mod && !e.altKey)
        handler = latest.current.onRunAndAdvance;
      else if (e.keyCode === monaco.KeyCode.Enter && mod && !e.shiftKey && !e.altKey)
        handler = latest.current.onRun;
      else if (e.keyCode === monaco.KeyCode.KeyS && mod && !e.shiftKey && !e.altKey)
        handler = latest.current.onSave;
      if (!handler) return;
      e.preventDefault();
      e.stopPropagation();
      editor.trigger('lakebench', 'hideSuggestWidget', null);
      handler();
    });

    return () => {
      sizeSub.dispose();
      keySub.dispose();
      changeSub.dispose();
      focusSub.dispose();
      blurSub.dispose();
      observer.disconnect();
      editor.dispose();
      model.dispose();
      editorRef.current = null;
    };
    // The editor is created once per cell; later prop changes are applied by the effects below.
  }, []);

  useEffect(() => {
    const model = editorRef.current?.getModel();
    if (model && model.getValue() !== props.value) model.setValue(props.value);
  }, [props.value]);

  useEffect(() => {
    const model = editorRef.current?.getModel();
    if (model) monaco.editor.setModelLanguage(model, props.language);
    editorRef.current?.updateOptions({ wordWrap: props.language === 'markdown' ? 'on' : 'off' });
  }, [props.language]);

  useEffect(() => {
    editorRef.current?.updateOptions({ readOnly: props.readOnly ?? false });
  }, [props.readOnly]);

  useEffect(() => {
    const editor = editorRef.current;
    if (!props.focus || !editor) return;
    editor.focus();
    const model = editor.getModel();
    if (model) editor.setPosition(model.getFullModelRange().getEndPosition());
  }, [props.focus]);

  useEffect(() => {
    const model = editorRef.current?.getModel();
    if (!model) return;
    const m = props.marker;
    if (!m) {
      monaco.editor.setModelMarkers(model, 'lakebench', []);
      return;
    }
    const line = Math.min(Math.max(1, m.line), model.getLineCount());
    const maxColumn = model.getLineMaxColumn(line);
    const column = Math.min(Math.max(1, m.column), maxColumn);
    const word = model.getWordAtPosition({ lineNumber: line, column });
    const startColumn = word ? word.startColumn : column;
    const endColumn = word ? word.endColumn : Math.min(column + 1, maxColumn);
    monaco.editor.setModelMarkers(model, 'lakebench', [
      {
        severity: monaco.MarkerSeverity.Error,
        message: m.message,
        startLineNumber: line,
        startColumn,
        endLineNumber: line,
        endColumn: endColumn > startColumn ? endColumn : startColumn + 1,
      },
    ]);
  }, [props.marker]);

  return <div className="cell-editor" ref={host} data-testid={props.testId} />;
}
