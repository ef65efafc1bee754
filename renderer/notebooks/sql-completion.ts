import type * as Monaco from 'monaco-editor/editor/editor.api.js';
import type { SqlCompletion } from '../../shared/sql/completion';
import { client } from '../api';

type MonacoApi = typeof Monaco;

/** SQL completion from the warehouse: the live catalog, the tables in scope and DuckDB's own completer. */
export function registerSqlCompletion(monaco: MonacoApi): void {
  const kinds: Record<SqlCompletion['kind'], Monaco.languages.CompletionItemKind> = {
    keyword: monaco.languages.CompletionItemKind.Keyword,
    function: monaco.languages.CompletionItemKind.Function,
    table: monaco.languages.CompletionItemKind.Struct,
    view: monaco.languages.CompletionItemKind.Interface,
    column: monaco.languages.CompletionItemKind.Field,
    schema: monaco.languages.CompletionItemKind.Module,
  };
  // Columns first, then tables, functions, keywords: what a person most often wants at the cursor.
  const order: Record<SqlCompletion['kind'], string> = {
    column: '0',
    table: '1',
    view: '1',
    schema: '2',
    function: '3',
    keyword: '4',
  };
  monaco.languages.registerCompletionItemProvider('sql', {
    triggerCharacters: ['.'],
    async provideCompletionItems(model, position) {
      const text = model.getValue();
      const cursor = model.getOffsetAt(position);
      let result;
      try {
        result = await client.call('warehouse.complete', { text, cursor });
      } catch (err) {
        // No workspace open, or the engine is busy closing: completion offers nothing rather than an error.
        console.warn('SQL completion failed', err);
        return { suggestions: [] };
      }
      const start = model.getPositionAt(result.from);
      const range = new monaco.Range(start.lineNumber, start.column, position.lineNumber, position.column);
      return {
        // The warehouse filters by what is typed, so the list is asked for again as typing goes on.
        incomplete: true,
        suggestions: result.items.map((item, i) => ({
          label: item.detail ? { label: item.label, description: item.detail } : item.label,
          kind: kinds[item.kind],
          detail: item.detail,
          documentation: item.documentation,
          insertText: item.insertText,
          sortText: `${order[item.kind]}${String(i).padStart(4, '0')}`,
          range,
        })),
      };
    },
  });
}
