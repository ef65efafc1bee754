/** The pipelines area's main view. */
export function PipelinesMain() {
  return (
    <div className="welcome">
      <p className="muted">Select a pipeline to see its graph.</p>
    </div>
  );
}
