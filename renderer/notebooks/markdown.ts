import DOMPurify from 'dompurify';
import { Marked, type Tokens } from 'marked';
import markedKatex from 'marked-katex-extension';
import 'katex/dist/katex.min.css';
import { escapeHtml } from './outputs';

/**
 * Markdown to HTML for Markdown cells and outputs: GitHub-flavoured Markdown, math between `$`/`$$` (KaTeX,
 * as Jupyter renders it with MathJax), and `attachment:NAME` images from the cell's attachments. Raw HTML in
 * the source is shown as text; what comes out is sanitized by DOMPurify, so no script, handler or script-like
 * URL (however it is encoded) reaches the page.
 */

/** A cell's attachments: file name -> MIME bundle (base64 for images). */
export type Attachments = Record<string, Record<string, unknown>>;

const md = new Marked({
  gfm: true,
  async: false,
  renderer: {
    html(token: Tokens.HTML | Tokens.Tag) {
      return escapeHtml(token.text);
    },
  },
});
md.use(markedKatex({ throwOnError: false, nonStandard: true, output: 'htmlAndMathml' }));

const IMAGE_MIMES = ['image/png', 'image/jpeg', 'image/gif', 'image/svg+xml', 'image/webp'];

/** The data: URL of an attachment, or null when the cell has no such image. */
export function attachmentUrl(name: string, attachments: Attachments | undefined): string | null {
  const bundle = attachments?.[name];
  if (!bundle) return null;
  for (const mime of IMAGE_MIMES) {
    const value = bundle[mime];
    if (value === undefined) continue;
    const raw = Array.isArray(value) ? value.join('') : String(value);
    return mime === 'image/svg+xml'
      ? `data:image/svg+xml;charset=utf-8,${encodeURIComponent(raw)}`
      : `data:${mime};base64,${raw.replace(/\s+/g, '')}`;
  }
  return null;
}

let purifier: ReturnType<typeof DOMPurify> | null = null;
/** DOMPurify bound to the page's window (or a test's DOM), made once. */
function sanitizer(): ReturnType<typeof DOMPurify> {
  if (purifier) return purifier;
  purifier = DOMPurify(globalThis.window);
  // Images may only be data: URLs of images (attachments) or web addresses; links only web and mail ones.
  purifier.addHook('afterSanitizeAttributes', (node) => {
    if (node.tagName === 'A') {
      const href = node.getAttribute('href') ?? '';
      if (href && !/^(https?:|mailto:|#)/i.test(href)) node.removeAttribute('href');
    }
    if (node.tagName === 'IMG') {
      const src = node.getAttribute('src') ?? '';
      if (!/^(https?:|data:image\/(png|jpeg|gif|webp|svg\+xml)[;,])/i.test(src)) node.removeAttribute('src');
    }
  });
  return purifier;
}

/** Sanitized HTML for the page: DOMPurify with its HTML, SVG and MathML profiles. */
export function sanitizeHtml(html: string): string {
  return sanitizer().sanitize(html, {
    USE_PROFILES: { html: true, svg: true, mathMl: true },
    ADD_DATA_URI_TAGS: ['img'],
  });
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    // A name with a stray % is looked up as written.
    return text;
  }
}

export function renderMarkdown(source: string, attachments?: Attachments): string {
  const tokens = md.lexer(source);
  md.walkTokens(tokens, (token) => {
    if (token.type === 'image' && token.href.startsWith('attachment:')) {
      const name = token.href.slice('attachment:'.length);
      token.href = attachmentUrl(safeDecode(name), attachments) ?? '';
    }
  });
  return sanitizeHtml(md.parser(tokens));
}

/** `text/latex` output: a math block (`$$...$$` or `\begin{...}`) typeset, anything else as text. */
export function renderLatex(latex: string): string {
  const trimmed = latex.trim();
  const body = /^\$\$[\s\S]*\$\$$/.test(trimmed)
    ? trimmed
    : /^\$[^$][\s\S]*\$$/.test(trimmed)
      ? trimmed
      : `$$\n${trimmed}\n$$`;
  return renderMarkdown(body);
}
