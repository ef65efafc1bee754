import { Marked, type Tokens } from 'marked';
import { escapeHtml } from './outputs';

/**
 * Markdown to HTML for markdown cells. Raw HTML in the source is shown as text, never executed, and links
 * and images may not use script-like URL schemes.
 */
const UNSAFE_URL = /^\s*(javascript|vbscript|data|file):/i;

const md = new Marked({
  gfm: true,
  async: false,
  renderer: {
    html(token: Tokens.HTML | Tokens.Tag) {
      return escapeHtml(token.text);
    },
  },
  walkTokens(token) {
    if ((token.type === 'link' || token.type === 'image') && UNSAFE_URL.test(token.href)) {
      token.href = '#';
    }
  },
});

export function renderMarkdown(source: string): string {
  return md.parse(source) as string;
}
