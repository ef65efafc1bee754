import { diffCells, type compareRows } from '../analysis';
import type { RunLegend } from '../chart-options';
import { runsTestIds } from '../testids';
import { RunHeader } from './blocks';

/** Keys down, runs across, the cells that differ from the first run marked: the params and the tags. */
export function ValuesTable({
  rows,
  legend,
  testId,
  empty,
}: {
  rows: ReturnType<typeof compareRows>;
  legend: RunLegend[];
  testId: (key: string) => string;
  empty: string;
}) {
  if (!rows.length) return <div className="muted cmp-empty">{empty}</div>;
  return (
    <div className="cmp-table-wrap">
      <table className="cmp-table">
        <thead>
          <tr>
            <th className="cmp-key-col">Key</th>
            {legend.map((l, i) => (
              <RunHeader key={l.runId} legend={l} i={i} />
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => {
            const cells = diffCells(row.values);
            return (
              <tr
                key={row.key}
                className={row.differs ? 'cmp-differs' : ''}
                data-testid={testId(row.key)}
                data-differs={row.differs}
              >
                <td className="cmp-key-col" title={row.key}>
                  {row.key}
                </td>
                {row.values.map((v, i) => (
                  <td
                    key={legend[i].runId}
                    className={`${cells[i] ? 'cmp-diff-cell' : ''}${v === null ? ' cmp-missing' : ''}`}
                    data-testid={cells[i] ? runsTestIds.compareDiffCell : undefined}
                    title={v ?? 'not logged'}
                  >
                    {v ?? '—'}
                  </td>
                ))}
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
