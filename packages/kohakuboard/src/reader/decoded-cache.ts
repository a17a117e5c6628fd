/**
 * The decoded-data cache of a reader thread: a least-recently-used map bounded by the bytes of its values
 * (`--cache-mb`, docs/api.md#performance-targets), from the lru-cache library. Every entry is stored with its size in bytes; a
 * value larger than the whole budget is not kept.
 */
import { LRUCache } from 'lru-cache';

export type DecodedCache = LRUCache<string, object>;

export function createDecodedCache(maxBytes: number): DecodedCache {
  const maxSize = Math.max(1, Math.floor(maxBytes));
  return new LRUCache<string, object>({ maxSize, maxEntrySize: maxSize });
}

/** Stores `value` as `bytes` of the budget (at least 1: lru-cache sizes are positive integers). */
export function cacheSet(cache: DecodedCache, key: string, value: object, bytes: number): void {
  cache.set(key, value, { size: Math.max(1, Math.ceil(bytes)) });
}
