/**
 * Flat config keys (docs/api.md#config): nested object keys joined with `.`; arrays, scalars and empty
 * objects are leaves; leaves ordered by code point.
 */
import type { JsonValue } from '../storage/index.js';

export type FlatConfig = Array<[key: string, value: JsonValue]>;

function isPlainObject(v: unknown): v is Record<string, JsonValue> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

export function compareCodePoints(a: string, b: string): number {
  // UTF-16 order differs from code-point order only for astral characters against U+E000–U+FFFF.
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const ca = a.codePointAt(i)!;
    const cb = b.codePointAt(i)!;
    if (ca !== cb) return ca < cb ? -1 : 1;
    if (ca > 0xffff) i++;
  }
  return a.length - b.length;
}

/**
 * One string per distinct flat key, shared by every run that has the key: the run index holds the flat
 * configs of all runs, and runs of a project mostly share their keys. Bounded by the number of distinct keys.
 */
const flatKeys = new Map<string, string>();
const MAX_SHARED_KEYS = 100_000;

function sharedKey(key: string): string {
  const known = flatKeys.get(key);
  if (known !== undefined) return known;
  if (flatKeys.size < MAX_SHARED_KEYS) flatKeys.set(key, key);
  return key;
}

/** The leaves of a config in code-point order of their keys. A non-object config has no keys. */
export function flattenConfig(config: unknown): FlatConfig {
  const out: FlatConfig = [];
  const walk = (value: JsonValue, prefix: string) => {
    for (const [k, v] of Object.entries(value as Record<string, JsonValue>)) {
      const key = sharedKey(prefix ? `${prefix}.${k}` : k);
      if (isPlainObject(v) && Object.keys(v).length > 0) walk(v, key);
      else out.push([key, v]);
    }
  };
  if (isPlainObject(config)) walk(config, '');
  out.sort((a, b) => compareCodePoints(a[0], b[0]));
  return out;
}

/** The flat config as a lookup table. */
export function flatConfigMap(config: unknown): Map<string, JsonValue> {
  return new Map(flattenConfig(config));
}
