import { memo, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { outputText } from '../../shared/kernels/outputs';
import type { NotebookOutput } from '../../shared/notebook/model';
import { ErrorBoundary } from '../common/ErrorBoundary';
import { parseAnsi, segmentColor } from './ansi';
import './kernel.css';
import { renderLatex } from './markdown';
import { MarkdownView } from './MarkdownView';
import { htmlOutputDocument, imageDataUrl, pickMime, svgDataUrl } from './mime';

/** Terminal text with its colours, drawn as styled spans (never as markup). */
export const AnsiText = memo(function AnsiText({ text, className }: { text: string; className?: string }) {
  const segments = useMemo(() => parseAnsi(text), [text]);
  return (
    <pre className={className}>
      {segments.map((s, i) =>
        s.fg || s.bg || s.bold || s.underline ? (
          <span
            key={i}
            style={{
              color: segmentColor(s),
              background: s.bg,
              fontWeight: s.bold ? 600 : undefined,
              textDecoration: s.underline ? 'underline' : undefined,
            }}
          >
            {s.text}
          </span>
        ) : (
          s.text
        ),
      )}
    </pre>
  );
});

const MAX_FRAME_HEIGHT = 600;

/**
 * HTML from the kernel (a pandas table, a report) in a sandboxed frame: no scripts, no forms, no navigation
 * of the app, and the app's CSP inherited. Same-origin only so the app can read its height.
 */
function HtmlOutput({ html }: { html: string }) {
  const frame = useRef<HTMLIFrameElement>(null);
  const [height, setHeight] = useState(40);
  const doc = useMemo(() => htmlOutputDocument(html), [html]);
  const measure = useCallback(() => {
    const body = frame.current?.contentDocument?.documentElement;
    if (body) setHeight(Math.min(MAX_FRAME_HEIGHT, Math.max(20, body.scrollHeight)));
  }, []);
  useEffect(() => {
    const d = frame.current?.contentDocument?.documentElement;
    if (!d || typeof ResizeObserver === 'undefined') return;
    const observer = new ResizeObserver(measure);
    observer.observe(d);
    return () => observer.disconnect();
  }, [measure, doc]);
  return (
    <iframe
      ref={frame}
      className="output-html"
      title="HTML output"
      sandbox="allow-same-origin"
      srcDoc={doc}
      style={{ height }}
      onLoad={measure}
    />
  );
}

/** A `text/latex` output, typeset. */
function LatexView({ latex }: { latex: string }) {
  const html = useMemo(() => renderLatex(latex), [latex]);
  return <div className="output-latex markdown-body" dangerouslySetInnerHTML={{ __html: html }} />;
}

function RichOutput({ data }: { data: Record<string, unknown> }) {
  const mime = pickMime(data);
  const value = mime ? data[mime] : undefined;
  switch (mime) {
    case 'text/html':
      return <HtmlOutput html={outputText(value)} />;
    case 'image/svg+xml':
      return <img className="output-image" src={svgDataUrl(value)} alt="SVG output" />;
    case 'image/png':
    case 'image/jpeg':
    case 'image/gif':
      return <img className="output-image" src={imageDataUrl(mime, value)} alt={`${mime} output`} />;
    case 'text/markdown':
      return <MarkdownView source={outputText(value)} onEdit={() => undefined} />;
    case 'text/latex':
      return <LatexView latex={outputText(value)} />;
    case 'application/json':
      return <pre className="output-text">{JSON.stringify(value, null, 2)}</pre>;
    case 'text/plain':
      return <AnsiText className="output-text" text={outputText(value)} />;
    case null:
      return (
        <div className="output-text muted">
          [{Object.keys(data).join(', ') || 'empty'} output: not shown in Lakebench]
        </div>
      );
    default: {
      const unknownMime: never = mime;
      return <div className="muted">[{String(unknownMime)}]</div>;
    }
  }
}

function OutputView({ output }: { output: NotebookOutput }) {
  switch (output.output_type) {
    case 'stream':
      return (
        <AnsiText
          className={`output-stream${output.name === 'stderr' ? ' output-stderr' : ''}`}
          text={outputText(output.text)}
        />
      );
    case 'error': {
      const tb = Array.isArray(output.traceback) ? output.traceback.map(String) : [];
      const text = tb.length ? tb.join('\n') : `${String(output.ename)}: ${String(output.evalue)}`;
      return (
        <div className="output-error" role="alert">
          <AnsiText text={text} />
        </div>
      );
    }
    case 'execute_result':
    case 'display_data':
      return <RichOutput data={(output.data ?? {}) as Record<string, unknown>} />;
    default:
      return (
        <div className="output-text muted">
          [{String(output.output_type)} output: a newer nbformat&apos;s output type, kept in the file]
        </div>
      );
  }
}

/** A Python cell's outputs, each in its own error boundary so one bad output never blanks the others. */
export function OutputArea({ outputs, testId }: { outputs: readonly NotebookOutput[]; testId: string }) {
  if (!outputs.length) return null;
  return (
    <div className="output-area" data-testid={testId}>
      {outputs.map((o, i) => (
        <ErrorBoundary key={i} what="This output" resetKey={o}>
          <OutputView output={o} />
        </ErrorBoundary>
      ))}
    </div>
  );
}
