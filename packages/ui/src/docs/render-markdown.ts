/** Markdown for the docs pages: markdown-it, highlighted code, diagram blocks, then DOMPurify. */
import DOMPurify from 'dompurify';
import MarkdownIt from 'markdown-it';
import { highlight } from './highlight';

const md = new MarkdownIt({
  html: false,
  linkify: true,
  typographer: false,
  highlight: (code, lang) => highlight(code, lang),
});

// ```diagram blocks are text diagrams, shown in a pan-and-zoom frame.
const fence = md.renderer.rules.fence;
md.renderer.rules.fence = (tokens, idx, options, env, self) => {
  const t = tokens[idx];
  if (t.info.trim() === 'diagram') {
    return `<div class="diagram" data-diagram="1"><pre>${md.utils.escapeHtml(t.content)}</pre></div>`;
  }
  return fence ? fence(tokens, idx, options, env, self) : self.renderToken(tokens, idx, options);
};

export function renderMarkdown(source: string): string {
  return DOMPurify.sanitize(md.render(source), { ADD_ATTR: ['data-diagram'] });
}
