/**
 * `--print-config`: every setting with its value and where it came from; secrets as `***`, database URLs
 * with their password as `***`.
 */

import { MASK, redactUrl } from './redact.js';
import type { RawConfig } from './resolve.js';
import { SETTINGS } from './settings.js';

export function formatConfig(raw: RawConfig): string {
  const lines: string[] = [];
  const width = Math.max(...SETTINGS.map((s) => s.key.length));
  for (const def of SETTINGS) {
    const r = raw.get(def.key);
    if (!r) continue;
    let shown = r.value === undefined ? '(unset)' : r.value;
    if (r.value !== undefined && def.secret) shown = MASK;
    else if (r.value !== undefined && def.url) shown = redactUrl(r.value);
    const source = r.source === 'env' ? `env ${r.variable}` : r.source;
    lines.push(`${def.key.padEnd(width)}  ${shown}  (${source})`);
  }
  return `${lines.join('\n')}\n`;
}
