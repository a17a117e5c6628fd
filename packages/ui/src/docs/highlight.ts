/**
 * A small syntax highlighter for the docs (TypeScript/JavaScript, JSON, shell, Python): comments,
 * strings, numbers and keywords. Input is escaped first; the output is sanitized with the page.
 */
const KEYWORDS = new Set(
  'import export from const let var function return await async for of in if else new class extends interface type while true false null undefined def with as print range'.split(
    ' ',
  ),
);

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

const TOKEN =
  /(\/\/[^\n]*|#[^\n]*|\/\*[\s\S]*?\*\/)|('(?:\\.|[^'\\])*'|"(?:\\.|[^"\\])*"|`(?:\\.|[^`\\])*`)|\b(\d+(?:\.\d+)?(?:e[+-]?\d+)?)\b|\b([A-Za-z_]\w*)\b/g;

export function highlight(code: string, lang: string): string {
  if (!['ts', 'typescript', 'js', 'javascript', 'json', 'bash', 'sh', 'shell', 'python', 'py'].includes(lang))
    return escapeHtml(code);
  const shellish = lang === 'bash' || lang === 'sh' || lang === 'shell' || lang === 'python' || lang === 'py';
  let out = '';
  let last = 0;
  for (const m of code.matchAll(TOKEN)) {
    const i = m.index ?? 0;
    out += escapeHtml(code.slice(last, i));
    last = i + m[0].length;
    const [all, comment, str, num, word] = m;
    if (comment && (comment.startsWith('#') ? shellish : !comment.startsWith('#')))
      out += `<span class="hl-c">${escapeHtml(all)}</span>`;
    else if (str) out += `<span class="hl-s">${escapeHtml(all)}</span>`;
    else if (num) out += `<span class="hl-n">${escapeHtml(all)}</span>`;
    else if (word && KEYWORDS.has(word)) out += `<span class="hl-k">${escapeHtml(all)}</span>`;
    else out += escapeHtml(all);
  }
  return out + escapeHtml(code.slice(last));
}
