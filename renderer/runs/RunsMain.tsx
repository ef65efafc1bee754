/** The runs area's main view. */
export function RunsMain() {
  return (
    <div className="welcome">
      <p className="muted">Select an experiment to see its runs.</p>
    </div>
  );
}
