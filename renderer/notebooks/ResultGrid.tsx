import {
  DataEditor,
  GridCellKind,
  type DrawHeaderCallback,
  type GridCell,
  type GridColumn,
  type Item,
  type Theme,
} from '@glideapps/glide-data-grid';
import '@glideapps/glide-data-grid/dist/index.css';
import { useCallback, useMemo } from 'react';
import type { ColumnInfo } from '../../shared/api/contract';
import { formatValue, isNumericType, typeLabel } from './format';
import { valueAt, type QueryResult } from './result';

const ROW_HEIGHT = 24;
const HEADER_HEIGHT = 30;
const MAX_HEIGHT = 320;
const CHAR_WIDTH = 7.4;

export const gridTheme: Partial<Theme> = {
  accentColor: '#3b82f6',
  accentFg: '#ffffff',
  accentLight: 'rgba(59, 130, 246, 0.18)',
  textDark: '#d7dae0',
  textMedium: '#9da5b4',
  textLight: '#636b78',
  textBubble: '#d7dae0',
  bgIconHeader: '#9da5b4',
  fgIconHeader: '#1b1d23',
  textHeader: '#c8ccd4',
  textHeaderSelected: '#ffffff',
  bgCell: '#1b1d23',
  bgCellMedium: '#20232a',
  bgHeader: '#23262d',
  bgHeaderHasFocus: '#2b2f37',
  bgHeaderHovered: '#2b2f37',
  bgBubble: '#2b2f37',
  bgBubbleSelected: '#3b82f6',
  bgSearchResult: 'rgba(229, 192, 123, 0.3)',
  borderColor: '#2c313a',
  horizontalBorderColor: '#262a31',
  drilldownBorder: '#3b82f6',
  linkColor: '#61afef',
  headerFontStyle: '600 12px',
  baseFontStyle: '12px',
  markerFontStyle: '11px',
  fontFamily: "'JetBrains Mono', 'Cascadia Code', 'SF Mono', Menlo, Consolas, 'DejaVu Sans Mono', monospace",
  editorFontSize: '12px',
  cellHorizontalPadding: 8,
  cellVerticalPadding: 3,
  lineHeight: 1.4,
};

const nullTheme: Partial<Theme> = { textDark: '#5c6370' };

interface Props {
  result: QueryResult;
  /** DuckDB's own column types, once the query has finished. */
  columns: readonly ColumnInfo[] | null;
}

/** A read-only virtualized grid that reads each visible value straight from the Arrow batches. */
export function ResultGrid({ result, columns }: Props) {
  const fields = useMemo(() => result.schema?.fields ?? [], [result.schema]);
  const numeric = useMemo(() => fields.map((f) => isNumericType(f.type)), [fields]);
  const types = useMemo(
    () => fields.map((f, i) => (columns && columns[i]?.name === f.name ? columns[i].type : typeLabel(f))),
    [fields, columns],
  );
  const firstBatch = result.batches[0];

  const gridColumns = useMemo<GridColumn[]>(() => {
    return fields.map((f, c) => {
      let longest = f.name.length + types[c].length + 3;
      const sample = Math.min(50, firstBatch?.numRows ?? 0);
      const vector = firstBatch?.getChildAt(c);
      for (let r = 0; r < sample && vector; r++) {
        const text = formatValue(vector.get(r), f.type) ?? 'NULL';
        longest = Math.max(longest, Math.min(text.length, 60));
      }
      return {
        id: `${c}:${f.name}`,
        title: f.name,
        width: Math.round(Math.min(420, Math.max(64, longest * CHAR_WIDTH + 20))),
      };
    });
  }, [fields, types, firstBatch]);

  const getCellContent = useCallback(
    ([col, row]: Item): GridCell => {
      const field = fields[col];
      const text = field ? formatValue(valueAt(result, row, col), field.type) : null;
      const align = numeric[col] ? 'right' : 'left';
      if (text === null) {
        return {
          kind: GridCellKind.Text,
          data: '',
          displayData: 'NULL',
          allowOverlay: false,
          readonly: true,
          contentAlign: align,
          themeOverride: nullTheme,
        };
      }
      return {
        kind: GridCellKind.Text,
        data: text,
        displayData: text.length > 500 ? `${text.slice(0, 500)}…` : text,
        allowOverlay: true,
        readonly: true,
        contentAlign: align,
      };
    },
    [result, fields, numeric],
  );

  const drawHeader = useCallback<DrawHeaderCallback>(
    (args, drawContent) => {
      drawContent();
      const type = types[args.columnIndex];
      if (!type) return;
      const { ctx, rect, theme } = args;
      ctx.save();
      ctx.font = `10px ${theme.fontFamily}`;
      ctx.fillStyle = theme.textLight;
      ctx.textAlign = 'right';
      ctx.textBaseline = 'middle';
      ctx.fillText(type, rect.x + rect.width - 8, rect.y + rect.height / 2 + 1);
      ctx.restore();
    },
    [types],
  );

  // Room for the rows (plus a horizontal scrollbar when the columns overflow), at most MAX_HEIGHT.
  const height = Math.min(MAX_HEIGHT, HEADER_HEIGHT + Math.max(1, result.rowCount) * ROW_HEIGHT + 3);

  return (
    <DataEditor
      columns={gridColumns}
      rows={result.rowCount}
      getCellContent={getCellContent}
      getCellsForSelection={true}
      drawHeader={drawHeader}
      theme={gridTheme}
      rowHeight={ROW_HEIGHT}
      headerHeight={HEADER_HEIGHT}
      rowMarkers="number"
      smoothScrollX
      smoothScrollY
      width="100%"
      height={height}
      overscrollX={0}
      keybindings={{ copy: true, selectAll: true }}
    />
  );
}

/** The first row as text, for screen readers and tests (the grid itself is a canvas). */
export function firstRowText(result: QueryResult): string {
  if (result.rowCount === 0) return '';
  const fields = result.schema?.fields ?? [];
  return fields.map((f, c) => formatValue(valueAt(result, 0, c), f.type) ?? 'NULL').join('\t');
}
