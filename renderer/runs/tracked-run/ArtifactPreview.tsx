import { useEffect, useMemo } from 'react';
import type { ArtifactContent } from '../../../shared/tracker/model';
import { parseCsv } from '../csv';

/** An artifact shown by its kind: an image, JSON pretty-printed, CSV as a table, text, or its size. */
export function ArtifactPreview({ content }: { content: ArtifactContent }) {
  const imageUrl = useMemo(
    () =>
      content.kind === 'image'
        ? URL.createObjectURL(new Blob([content.bytes as BlobPart], { type: content.mimeType }))
        : null,
    [content],
  );
  useEffect(() => () => void (imageUrl && URL.revokeObjectURL(imageUrl)), [imageUrl]);
  const cut =
    'truncated' in content && content.truncated ? (
      <div className="muted">Showing the first part of {content.size.toLocaleString()} bytes.</div>
    ) : null;
  switch (content.kind) {
    case 'image':
      return <img className="artifact-image" src={imageUrl ?? ''} alt={content.path} />;
    case 'json': {
      let pretty = content.text;
      try {
        pretty = JSON.stringify(JSON.parse(content.text), null, 2);
      } catch {
        // Cut or invalid JSON is shown as it is.
      }
      return (
        <>
          {cut}
          <pre className="artifact-text">{pretty}</pre>
        </>
      );
    }
    case 'csv': {
      const rows = parseCsv(content.text, 1000);
      const [head, ...body] = rows;
      return (
        <>
          {cut}
          <div className="cmp-table-wrap artifact-csv">
            <table className="cmp-table">
              <thead>
                <tr>
                  {(head ?? []).map((h, i) => (
                    <th key={i}>{h}</th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {body.map((r, i) => (
                  <tr key={i}>
                    {r.map((c, j) => (
                      <td key={j}>{c}</td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      );
    }
    case 'text':
      return (
        <>
          {cut}
          <pre className="artifact-text">{content.text}</pre>
        </>
      );
    case 'binary':
      return (
        <div className="muted">
          {content.mimeType} · {content.size.toLocaleString()} bytes — no preview for this kind of file.
        </div>
      );
  }
}
