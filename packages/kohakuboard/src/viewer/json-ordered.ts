/**
 * JSON objects whose key order matters: JavaScript objects list integer-like keys first, so ordered
 * key/value lists (flat configs in code-point order) are written as text.
 */
import { apiJson } from './json-encode.js';

export function orderedObjectJson(entries: Iterable<readonly [string, unknown]>): string {
  const parts: string[] = [];
  for (const [k, v] of entries) parts.push(`${JSON.stringify(k)}:${apiJson(v)}`);
  return `{${parts.join(',')}}`;
}
