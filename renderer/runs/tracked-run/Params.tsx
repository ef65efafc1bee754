import type { Run } from '../../../shared/tracker/model';

/** The params the run logged, by name. */
export function Params({ run }: { run: Run }) {
  const params = Object.entries(run.params).sort(([a], [b]) => a.localeCompare(b));
  return (
    <section className="cmp-section">
      <div className="cmp-section-head">
        <h3>Parameters</h3>
      </div>
      {params.length ? (
        <table className="cmp-table run-kv">
          <tbody>
            {params.map(([k, v]) => (
              <tr key={k}>
                <td className="cmp-key-col">{k}</td>
                <td>{v}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <div className="muted cmp-empty">No params logged.</div>
      )}
    </section>
  );
}
