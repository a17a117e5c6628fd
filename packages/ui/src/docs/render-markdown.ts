/**
 * Markdown for the docs pages: markdown-it, code highlighted by highlight.js, then DOMPurify.
 * ```mermaid blocks become placeholders holding their source; `renderDiagrams` draws them later,
 * loading the diagram library only when a page has one (docs/ui.md#docs-pages).
 */
import DOMPurify from 'dompurify';
import MarkdownIt from 'markdown-it';
import { highlight } from './highlight';

const md = new MarkdownIt({
  html: false,
  linkify: true,
  typographer: false,
  highlight: (code, lang) => highlight(code, lang),
});

const fence = md.renderer.rules.fence;
md.renderer.rules.fence = (tokens, idx, options, env, self) => {
  const t = tokens[idx];
  if (t.info.trim() === 'mermaid') {
    return `<div class="diagram" data-diagram="mermaid"><pre class="diagram-source">${md.utils.escapeHtml(t.content)}</pre></div>`;
  }
  return fence ? fence(tokens, idx, options, env, self) : self.renderToken(tokens, idx, options);
};

export function renderMarkdown(source: string): string {
  return DOMPurify.sanitize(md.render(source), { ADD_ATTR: ['data-diagram'] });
}

/** True when the rendered HTML has diagram blocks, so the diagram code is worth loading. */
export function hasDiagrams(html: string): boolean {
  return html.includes('data-diagram="mermaid"');
}
