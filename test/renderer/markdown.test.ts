// @vitest-environment jsdom
import { describe, expect, it } from 'vitest';
import { attachmentUrl, renderLatex, renderMarkdown, sanitizeHtml } from '../../renderer/notebooks/markdown';

const PNG =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

describe('Markdown rendering', () => {
  it('drops script-like links however they are encoded', () => {
    const cases = [
      '[a](javascript:alert(1))',
      '[b](&#106;avascript:alert(1))',
      '[c](&#x6A;avascript&#58;alert(1))',
      '[d](JaVaScRiPt:alert(1))',
      '[e](vbscript:msgbox(1))',
      '[f](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)',
      '<javascript:alert(1)>',
      '[g]( javascript:alert(1))',
    ];
    for (const source of cases) {
      const html = renderMarkdown(source);
      const doc = new DOMParser().parseFromString(html, 'text/html');
      for (const a of doc.querySelectorAll('a')) {
        const href = a.getAttribute('href');
        expect(href === null || /^(https?:|mailto:|#)/i.test(href), `${source} -> ${html}`).toBe(true);
      }
    }
    expect(renderMarkdown('[ok](https://duckdb.org)')).toContain('href="https://duckdb.org"');
  });

  it('strips handlers and scripts from HTML it is handed', () => {
    const html = sanitizeHtml(
      '<img src="x" onerror="alert(1)"><svg><script>alert(1)</script><circle r="1"/></svg><b>ok</b>',
    );
    expect(html).not.toMatch(/onerror|<script/i);
    expect(html).toContain('<b>ok</b>');
    expect(html).toContain('<circle');
  });

  it('typesets inline and display math', () => {
    const html = renderMarkdown('Energy $E = mc^2$ and\n\n$$\\sum_{i=1}^n i$$');
    expect(html).toContain('class="katex"');
    expect(html).toContain('katex-display');
    expect(html).toContain('<math');
  });

  it('shows attachment images from the cell', () => {
    const html = renderMarkdown('![dot](attachment:dot.png)', { 'dot.png': { 'image/png': PNG } });
    expect(html).toContain(`src="data:image/png;base64,${PNG}"`);
    expect(renderMarkdown('![gone](attachment:missing.png)', {})).not.toContain('src="attachment:');
    expect(attachmentUrl('x.svg', { 'x.svg': { 'image/svg+xml': '<svg/>' } })).toMatch(
      /^data:image\/svg\+xml/,
    );
  });

  it('typesets text/latex outputs', () => {
    expect(renderLatex('$x^2$')).toContain('class="katex"');
    expect(renderLatex('\\begin{equation}a=b\\end{equation}')).toContain('katex-display');
  });
});
