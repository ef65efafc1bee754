import { useMemo } from 'react';
import { renderMarkdown, type Attachments } from './markdown';

/** A rendered markdown cell (its `attachment:` images from the cell); double-click to edit. */
export function MarkdownView({
  source,
  attachments,
  onEdit,
}: {
  source: string;
  attachments?: Attachments;
  onEdit(): void;
}) {
  const html = useMemo(() => renderMarkdown(source, attachments), [source, attachments]);
  if (!source.trim()) {
    return (
      <div className="markdown-empty" onDoubleClick={onEdit}>
        Empty markdown cell — double-click to write.
      </div>
    );
  }
  return (
    <div
      className="markdown-body"
      onDoubleClick={onEdit}
      onClick={(e) => {
        // Links open outside the app; the app window never navigates away.
        const a = (e.target as HTMLElement).closest('a');
        if (!a) return;
        e.preventDefault();
        const href = a.getAttribute('href') ?? '';
        if (/^https?:/i.test(href)) window.open(href, '_blank', 'noopener,noreferrer');
      }}
      dangerouslySetInnerHTML={{ __html: html }}
    />
  );
}
