/**
 * Kernel-density entries (docs/format.md#row-meanings, docs/format.md#npz): the rows of a name with their
 * decoded grid and density. Entries whose payload is missing or cannot be decoded carry null.
 */
import {
  isStorageError,
  type JsonValue,
  type KernelDensityRow,
  parseTolerantJson,
} from '../storage/index.js';
import { kdeRowsOf } from './metadata-rows.js';
import { decodeKdePayload, type KdePayload, readPayload } from './payload-source.js';
import type { ReaderContext } from './scalar-source.js';

export interface KdeEntry {
  row: KernelDensityRow;
  /** bandwidth as a number when it parses as a finite float, else the stored text, else null. */
  bandwidth: number | string | null;
  metadata: JsonValue;
  payload: KdePayload | null;
}

export function parseBandwidth(text: string | null): number | string | null {
  if (text === null || text === undefined) return null;
  const n = Number(text);
  return text.trim() !== '' && Number.isFinite(n) ? n : text;
}

export function parseJsonObject(text: string | null): JsonValue {
  if (text === null) return {};
  try {
    return parseTolerantJson(text);
  } catch {
    return {};
  }
}

export function kdeEntries(ctx: ReaderContext, runDir: string, name: string): KdeEntry[] {
  const rows = kdeRowsOf(ctx, runDir, name);
  return rows.map((row) => {
    let payload: KdePayload | null = null;
    try {
      const bytes = readPayload(ctx, runDir, row.kv_file, row.kv_key);
      payload = bytes ? decodeKdePayload(bytes) : null;
    } catch (err) {
      // A payload that cannot be decoded is skipped (docs/api.md#histograms); a link out of the data directory is
      // reported.
      if (isStorageError(err) && err.code === 'EOUTSIDE') throw err;
      payload = null;
    }
    return {
      row,
      bandwidth: parseBandwidth(row.bandwidth),
      metadata: parseJsonObject(row.metadata),
      payload,
    };
  });
}
