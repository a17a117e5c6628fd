/**
 * `…/metadata` (docs/api.md#metadata) and `summary.metadata`: the parsed metadata.json plus run_id,
 * annotation and board_id derived from the folder, which is authoritative over a stored annotation.
 */
import type { ReaderContext } from '../../reader/scalar-source.js';
import { type JsonValue, readMetadataJson, runPaths } from '../../storage/index.js';
import type { RunRef } from '../run-ref.js';

/**
 * metadata.json as stored (the full config even when the index left it out). A file that cannot be read now
 * (a writer may be rewriting it) falls back to what the index read; one that links out of the data
 * directory is never read.
 */
export function fullMetadata(ctx: ReaderContext, run: RunRef): Record<string, JsonValue> {
  if (run.metadata && !run.configOmitted) return run.metadata;
  ctx.handles.root.check(runPaths(run.dir).metadataJson);
  try {
    return readMetadataJson(run.dir);
  } catch {
    return run.metadata ?? {};
  }
}

export function metadataObject(ctx: ReaderContext, run: RunRef): Record<string, JsonValue> {
  const out: Record<string, JsonValue> = { ...fullMetadata(ctx, run) };
  out.run_id = run.runIdPart;
  out.annotation = run.annotation;
  out.board_id = run.folder;
  return out;
}
