/**
 * `…/media` (docs/api.md#media) and `…/media/{name}` (docs/api.md#media): entries from the media records, by
 * step and id, with the content-addressed files URL of docs/api.md#media-files.
 */

import { mediaRowsOf, mediaSummariesOf } from '../../reader/metadata-rows.js';
import { rowNames } from '../../reader/run-contents.js';
import type { ReaderContext } from '../../reader/scalar-source.js';
import type { MediaRow } from '../../storage/index.js';
import type { RunRef } from '../run-ref.js';

export function mediaFilesUrl(run: RunRef, filename: string): string {
  return `/api/projects/${encodeURIComponent(run.project)}/runs/${encodeURIComponent(run.runId)}/media/files/${encodeURIComponent(filename)}`;
}

export function mediaFilename(row: Pick<MediaRow, 'media_hash' | 'format'>): string {
  return `${row.media_hash}.${row.format}`;
}

export function mediaList(ctx: ReaderContext, run: RunRef, details: boolean): Record<string, unknown> {
  const media = rowNames(ctx, run.dir).media;
  if (!details) return { media };
  return { media, details: mediaSummariesOf(ctx, run.dir) };
}

/** Keeps entries with step > afterStep, then the last `limit` of them. */
export function trimEntries<T extends { step: number }>(
  rows: T[],
  afterStep: number | null,
  limit: number | null,
): T[] {
  let out = afterStep === null ? rows : rows.filter((r) => r.step > afterStep);
  if (limit !== null && out.length > limit) out = out.slice(out.length - limit);
  return out;
}

export function mediaEntries(
  ctx: ReaderContext,
  run: RunRef,
  name: string,
  limit: number | null,
  afterStep: number | null,
): Record<string, unknown> {
  const rows = mediaRowsOf(ctx, run.dir, name);
  const data = trimEntries(rows, afterStep, limit).map((r) => {
    const filename = mediaFilename(r);
    return {
      name: filename,
      step: r.step,
      type: r.type,
      url: mediaFilesUrl(run, filename),
      caption: r.caption ?? null,
      width: r.width ?? null,
      height: r.height ?? null,
      id: r.id,
      global_step: r.global_step,
      format: r.format,
      filename,
      size_bytes: r.size_bytes,
    };
  });
  return { experiment_id: run.runIdPart, media_name: name, data };
}
