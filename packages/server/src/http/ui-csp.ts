/**
 * The web UI's page runs one small inline script (it applies the stored theme before the first paint). The
 * Content-Security-Policy allows exactly the inline scripts of the served index.html by their SHA-256, and
 * no others.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export function inlineScriptSources(uiDir: string | null): string[] {
  if (!uiDir) return [];
  let html: string;
  try {
    html = readFileSync(join(uiDir, 'index.html'), 'utf8');
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const m of html.matchAll(/<script(?![^>]*\bsrc=)[^>]*>([\s\S]*?)<\/script>/gi)) {
    out.push(`'sha256-${createHash('sha256').update(m[1], 'utf8').digest('base64')}'`);
  }
  return out;
}
