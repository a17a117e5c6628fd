/**
 * Citations in the repository point at the repository's own documentation, never at documents a clone does
 * not have: no tracked file outside docs/ names the design documents, and every `docs/<file>.md#<anchor>`
 * (and every link between the docs) resolves to a heading that exists. Anchors are GitHub's heading slugs.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, posix, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const THIS_FILE = 'packages/kohakuboard/test/docs-citations.test.ts';

/** Tracked files, relative to the repository root with `/` separators. */
function trackedFiles(): string[] {
  try {
    const out = execFileSync('git', ['ls-files', '-z'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      maxBuffer: 256 * 1024 * 1024,
    });
    return out.split('\0').filter((f) => f !== '' && existsSync(join(REPO_ROOT, f)));
  } catch {
    // Not a git checkout (a source archive): every file except installed and built ones.
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const e of readdirSync(join(REPO_ROOT, dir), { withFileTypes: true })) {
        if (['node_modules', '.git', 'dist', 'ui-dist'].includes(e.name)) continue;
        const rel = dir === '' ? e.name : `${dir}/${e.name}`;
        if (e.isDirectory()) walk(rel);
        else if (e.isFile()) files.push(rel);
      }
    };
    walk('');
    return files;
  }
}

/** The text of a file, or null for binary and very large files. */
function textOf(file: string): string | null {
  const path = join(REPO_ROOT, file);
  const st = statSync(path);
  if (!st.isFile() || st.size > 8 * 1024 * 1024) return null;
  const buf = readFileSync(path);
  if (buf.includes(0)) return null;
  return buf.toString('utf8');
}

interface Hit {
  file: string;
  line: number;
  text: string;
}

/** One hit per line that matches any pattern, with the line itself (shortened) for context. */
function hitsOf(file: string, text: string, patterns: RegExp[]): Hit[] {
  const hits: Hit[] = [];
  text.split('\n').forEach((line, i) => {
    if (patterns.some((re) => line.search(re) >= 0)) {
      const t = line.trim();
      hits.push({ file, line: i + 1, text: t.length > 160 ? `${t.slice(0, 157)}...` : t });
    }
  });
  return hits;
}

const format = (hits: Hit[]) => hits.map((h) => `${h.file}:${h.line}: ${h.text}`).join('\n');

// ---------------------------------------------------------------------------------------------------------
// Headings and anchors

/** GitHub's slug of a heading: lower case, punctuation and symbols dropped, spaces turned into `-`. */
function headingSlug(heading: string): string {
  return heading
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc}\- ]/gu, '')
    .replace(/ /g, '-');
}

/** Lines outside fenced code blocks, with their line numbers. */
function proseLines(text: string): Array<{ line: string; no: number }> {
  const out: Array<{ line: string; no: number }> = [];
  let fence: string | null = null;
  text.split('\n').forEach((line, i) => {
    const f = /^\s*(```|~~~)/.exec(line);
    if (f) {
      if (fence === null) fence = f[1];
      else if (fence === f[1]) fence = null;
      return;
    }
    if (fence === null) out.push({ line, no: i + 1 });
  });
  return out;
}

/** The anchors of a markdown file; a repeated heading gets `-1`, `-2`, … as on GitHub. */
function anchorsOf(text: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const { line } of proseLines(text)) {
    const h = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!h) continue;
    const base = headingSlug(h[1]);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n === 0 ? base : `${base}-${n}`);
  }
  return anchors;
}

const anchorCache = new Map<string, Set<string> | null>();
/** Anchors of a repository file, or null when it does not exist. */
function anchorsOfFile(repoPath: string): Set<string> | null {
  if (!anchorCache.has(repoPath)) {
    const path = join(REPO_ROOT, repoPath);
    anchorCache.set(repoPath, existsSync(path) ? anchorsOf(readFileSync(path, 'utf8')) : null);
  }
  return anchorCache.get(repoPath) ?? null;
}

/** Why a reference to `target` (a repository path, maybe with #anchor) is broken, or null when it is fine. */
function brokenReference(target: string): string | null {
  const [path, anchor] = target.split('#');
  if (!path.endsWith('.md')) return existsSync(join(REPO_ROOT, path)) ? null : 'no such file';
  const anchors = anchorsOfFile(path);
  if (anchors === null) return 'no such file';
  if (anchor !== undefined && !anchors.has(anchor)) return `no heading with the anchor #${anchor}`;
  return null;
}

// ---------------------------------------------------------------------------------------------------------

describe('citations of documents outside the repository', () => {
  it('no tracked file outside docs/ cites the design documents', () => {
    // Built from parts so that this file does not match itself.
    const names = ['STORAGE', 'API', 'CLIENT', 'UI', 'SERVER', 'SYNC'].join('|');
    const patterns = [
      new RegExp(['shared', 'spec'].join('/'), 'g'),
      new RegExp(`(?<![A-Za-z0-9_])(?:${names}|DESIGN)\\.md`, 'g'),
      new RegExp(['\\.\\.', 'shared'].join('/'), 'g'),
      new RegExp(`(?<![A-Za-z0-9_])(?:${names}) (?:\u00a7|Part [A-C]\\b)`, 'g'),
      // A bare section sign with a section number cites a design document without naming it.
      /\u00a7\s?(?:\d|[A-H]\.\d)/g,
    ];
    const hits: Hit[] = [];
    for (const file of trackedFiles()) {
      if (file.startsWith('docs/') || file === THIS_FILE) continue;
      const text = textOf(file);
      if (text !== null) hits.push(...hitsOf(file, text, patterns));
    }
    expect(hits.length, `citations of documents outside the repository:\n${format(hits)}`).toBe(0);
  });
});

describe('citations of the docs', () => {
  it('every docs/<file>.md#<anchor> cited in the repository names an existing heading', () => {
    // `docs/` at the start of a path (not packages/ui/public/docs/); links from markdown files are
    // resolved relative to the file in the next test.
    const citation = /(?<![\w./-])docs\/([\w-]+\.md)(#[\w-]+)?/g;
    const broken: Hit[] = [];
    let count = 0;
    for (const file of trackedFiles()) {
      if (file === THIS_FILE) continue;
      const text = textOf(file);
      if (text === null) continue;
      text.split('\n').forEach((line, i) => {
        for (const m of line.matchAll(citation)) {
          count++;
          const why = brokenReference(`docs/${m[1]}${m[2] ?? ''}`);
          if (why) broken.push({ file, line: i + 1, text: `${m[0]}: ${why}` });
        }
      });
    }
    expect(broken, `citations of missing docs or headings:\n${format(broken)}`).toEqual([]);
    expect(count).toBeGreaterThan(0);
  });

  it('every link of a markdown file into docs/, and every link between the docs, resolves', () => {
    const link = /\]\(([^)\s]+)\)/g;
    const broken: Hit[] = [];
    let docLinks = 0;
    for (const file of trackedFiles().filter((f) => f.endsWith('.md'))) {
      const inDocs = file.startsWith('docs/');
      const text = textOf(file);
      if (text === null) continue;
      for (const { line, no } of proseLines(text)) {
        // Inline code spans are not links.
        const prose = line.replace(/`[^`]*`/g, '');
        for (const m of prose.matchAll(link)) {
          const href = m[1];
          if (/^[a-z]+:/i.test(href) || href.startsWith('/')) continue;
          const [pathPart, anchor] = href.split('#');
          const target = pathPart === '' ? file : posix.normalize(posix.join(posix.dirname(file), pathPart));
          if (!inDocs && !target.startsWith('docs/')) continue;
          if (inDocs) docLinks++;
          const why = brokenReference(anchor === undefined ? target : `${target}#${anchor}`);
          if (why) broken.push({ file, line: no, text: `${href}: ${why}` });
        }
      }
    }
    expect(broken, `broken links:\n${format(broken)}`).toEqual([]);
    expect(docLinks).toBeGreaterThan(0);
  });

  it('slugs headings as GitHub does', () => {
    expect(headingSlug('Column vault')).toBe('column-vault');
    expect(headingSlug('KVault keys and values')).toBe('kvault-keys-and-values');
    expect(headingSlug('3-D surface')).toBe('3-d-surface');
    expect(headingSlug('`metadata.json` keys')).toBe('metadatajson-keys');
    expect(headingSlug('Search, filter and sort')).toBe('search-filter-and-sort');
    expect(headingSlug('finish() and kill_-9')).toBe('finish-and-kill_-9');
    expect([...anchorsOf('# A\n## Notes\n```sh\n# not a heading\n```\n## Notes\n')]).toEqual([
      'a',
      'notes',
      'notes-1',
    ]);
  });
});
