/**
 * `…/metadata` (API.md §A.8) and `summary.metadata`: the parsed metadata.json plus run_id, annotation and
 * board_id derived from the folder, which is authoritative over a stored annotation.
 */
import { type JsonValue, readMetadataJson } from '../../storage/index.js';
import type { RunRef } from '../run-ref.js';

/** metadata.json as stored (the full config even when the index left it out). */
export function fullMetadata(run: RunRef): Record<string, JsonValue> {
  if (run.metadata && !run.configOmitted) return run.metadata;
  try {
    return readMetadataJson(run.dir);
  } catch {
    return run.metadata ?? {};
  }
}

export function metadataObject(run: RunRef): Record<string, JsonValue> {
  const out: Record<string, JsonValue> = { ...fullMetadata(run) };
  out.run_id = run.runIdPart;
  out.annotation = run.annotation;
  out.board_id = run.folder;
  return out;
}
