import type * as Monaco from 'monaco-editor/editor/editor.api.js';
import { client } from '../api';

type MonacoApi = typeof Monaco;

const SCHEME = 'lakebench-cell';
let counter = 0;

/** A unique model address for a cell's editor that names its notebook, so providers know which kernel to ask. */
export function cellModelUri(monaco: MonacoApi, notebook: string): Monaco.Uri {
  return monaco.Uri.from({ scheme: SCHEME, path: `/${notebook}`, query: String(++counter) });
}

function notebookOf(model: Monaco.editor.ITextModel): string | null {
  return model.uri.scheme === SCHEME ? model.uri.path.replace(/^\//, '') : null;
}

/**
 * Python completion, hover and signature help from the notebook's running kernel (Jupyter's complete_request
 * and inspect_request): what the kernel knows, including the names the cells defined.
 */
export function registerPythonCompletion(monaco: MonacoApi): void {
  const kinds: Record<string, Monaco.languages.CompletionItemKind> = {
    function: monaco.languages.CompletionItemKind.Function,
    class: monaco.languages.CompletionItemKind.Class,
    module: monaco.languages.CompletionItemKind.Module,
    instance: monaco.languages.CompletionItemKind.Variable,
    statement: monaco.languages.CompletionItemKind.Variable,
    keyword: monaco.languages.CompletionItemKind.Keyword,
    param: monaco.languages.CompletionItemKind.Variable,
    path: monaco.languages.CompletionItemKind.File,
    property: monaco.languages.CompletionItemKind.Property,
  };
  monaco.languages.registerCompletionItemProvider('python', {
    triggerCharacters: ['.'],
    async provideCompletionItems(model, position) {
      const notebook = notebookOf(model);
      if (!notebook) return { suggestions: [] };
      const code = model.getValue();
      try {
        const r = await client.call('kernels.complete', {
          notebook,
          code,
          cursor: model.getOffsetAt(position),
        });
        const start = model.getPositionAt(r.from);
        const end = model.getPositionAt(r.to);
        const range = new monaco.Range(start.lineNumber, start.column, end.lineNumber, end.column);
        return {
          incomplete: true,
          suggestions: r.items.map((item, i) => ({
            label: item.type ? { label: item.text, description: item.type } : item.text,
            kind: (item.type && kinds[item.type]) || monaco.languages.CompletionItemKind.Text,
            insertText: item.text,
            sortText: String(i).padStart(5, '0'),
            range,
          })),
        };
      } catch (err) {
        // No kernel answering (not started, restarting): no suggestions rather than an error.
        console.warn('Python completion failed', err);
        return { suggestions: [] };
      }
    },
  });
  monaco.languages.registerHoverProvider('python', {
    async provideHover(model, position) {
      const notebook = notebookOf(model);
      if (!notebook || !model.getWordAtPosition(position)) return null;
      try {
        const r = await client.call('kernels.inspect', {
          notebook,
          code: model.getValue(),
          cursor: model.getOffsetAt(position),
        });
        return r.text ? { contents: [{ value: `\`\`\`text\n${r.text}\n\`\`\`` }] } : null;
      } catch (err) {
        console.warn('Python help failed', err);
        return null;
      }
    },
  });
  monaco.languages.registerSignatureHelpProvider('python', {
    signatureHelpTriggerCharacters: ['(', ','],
    async provideSignatureHelp(model, position) {
      const notebook = notebookOf(model);
      if (!notebook) return null;
      // The name before the open parenthesis the cursor is in.
      const before = model.getValueInRange(new monaco.Range(1, 1, position.lineNumber, position.column));
      let depth = 0;
      let at = -1;
      for (let i = before.length - 1; i >= 0; i--) {
        const ch = before[i];
        if (ch === ')') depth++;
        else if (ch === '(') {
          if (depth === 0) {
            at = i;
            break;
          }
          depth--;
        }
      }
      if (at <= 0) return null;
      try {
        const r = await client.call('kernels.inspect', { notebook, code: before.slice(0, at), cursor: at });
        if (!r.text) return null;
        const first = r.text.split('\n').find((l) => l.includes('(')) ?? r.text.split('\n')[0];
        return {
          value: {
            signatures: [
              {
                label: first.replace(/^(Signature|Init signature):\s*/, ''),
                parameters: [],
                documentation: r.text,
              },
            ],
            activeSignature: 0,
            activeParameter: 0,
          },
          dispose: () => undefined,
        };
      } catch (err) {
        console.warn('Python signature help failed', err);
        return null;
      }
    },
  });
}
