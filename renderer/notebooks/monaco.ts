/**
 * Monaco, bundled with the app: only the editor core, the features a notebook cell needs, and the SQL grammar.
 * The editor worker is built into its own file and loaded from the app (no CDN), which the CSP allows
 * (worker-src 'self' blob:).
 */
import * as monaco from 'monaco-editor/editor/editor.api.js';
import 'monaco-editor/features/codicon/register.js';
import 'monaco-editor/editor/browser/coreCommands.js';
import 'monaco-editor/features/find/register.js';
import 'monaco-editor/editor/contrib/suggest/browser/suggestController.js';
import 'monaco-editor/features/suggest/register.js';
import 'monaco-editor/features/bracketMatching/register.js';
import 'monaco-editor/features/clipboard/register.js';
import 'monaco-editor/features/comment/register.js';
import 'monaco-editor/features/contextmenu/register.js';
import 'monaco-editor/features/cursorUndo/register.js';
import 'monaco-editor/features/hover/register.js';
import 'monaco-editor/features/parameterHints/register.js';
import 'monaco-editor/features/gotoError/register.js';
import 'monaco-editor/features/indentation/register.js';
import 'monaco-editor/features/linesOperations/register.js';
import 'monaco-editor/features/multicursor/register.js';
import 'monaco-editor/features/smartSelect/register.js';
import 'monaco-editor/features/snippet/register.js';
import 'monaco-editor/features/wordHighlighter/register.js';
import 'monaco-editor/features/wordOperations/register.js';
import 'monaco-editor/features/readOnlyMessage/register.js';
import 'monaco-editor/languages/definitions/sql/register.js';
import 'monaco-editor/languages/definitions/markdown/register.js';
import 'monaco-editor/languages/definitions/python/register.js';
import 'monaco-editor/languages/definitions/javascript/register.js';
import EditorWorker from 'monaco-editor/editor/editor.worker.js?worker';
import { registerPythonCompletion } from './python-completion';
import { registerSqlCompletion } from './sql-completion';

declare global {
  interface Window {
    MonacoEnvironment?: { getWorker(workerId: string, label: string): Worker };
  }
}

window.MonacoEnvironment = {
  getWorker: () => new EditorWorker(),
};

export const THEME = 'lakebench-dark';

monaco.editor.defineTheme(THEME, {
  base: 'vs-dark',
  inherit: true,
  rules: [
    { token: 'keyword', foreground: '569cd6' },
    { token: 'operator', foreground: 'd4d4d4' },
    { token: 'string', foreground: 'ce9178' },
    { token: 'number', foreground: 'b5cea8' },
    { token: 'comment', foreground: '6a9955' },
    { token: 'predefined', foreground: 'dcdcaa' },
  ],
  colors: {
    'editor.background': '#1b1d23',
    'editor.lineHighlightBackground': '#22252c',
    'editor.lineHighlightBorder': '#00000000',
    'editorLineNumber.foreground': '#4b5263',
    'editorLineNumber.activeForeground': '#9da5b4',
    'editorGutter.background': '#1b1d23',
    'editorWidget.background': '#22252c',
    'editorSuggestWidget.background': '#22252c',
    'scrollbarSlider.background': '#ffffff18',
  },
});

registerSqlCompletion(monaco);
registerPythonCompletion(monaco);

export { monaco };
