/**
 * `…/tables` (docs/api.md#tables) and `…/tables/{name}` (docs/api.md#tables resolve_media): stored JSON
 * parsed tolerantly, cells passed through, positions of non-finite numbers listed in `nonfinite_cells`.
 */

import { mediaRowsOfIds, tableRowsOf } from '../../reader/metadata-rows.js';
import { rowNames } from '../../reader/run-contents.js';
import type { ReaderContext } from '../../reader/scalar-source.js';
import { type JsonValue, parseTolerantJson, runPaths, StorageError } from '../../storage/index.js';
import { errorText } from '../../util/error-text.js';
import type { RunRef } from '../run-ref.js';
import { mediaFilename, mediaFilesUrl, trimEntries } from './media.js';

/**
 * A stored JSON array (`columns`, `column_types`, `rows`): [] when nothing is stored; text that is not a JSON
 * array is a damaged row, reported as a StorageError that names the file, the table entry and the column.
 */
function parseArray(text: string | null, where: () => string): JsonValue[] {
  if (text === null || text === '') return [];
  let value: JsonValue;
  try {
    value = parseTolerantJson(text);
  } catch (err) {
    const why = errorText(err);
    throw new StorageError('ECORRUPT', null, `${where()} is not valid JSON: ${why}`);
  }
  if (value === null) return [];
  if (!Array.isArray(value)) throw new StorageError('ECORRUPT', null, `${where()} is not a JSON array`);
  return value;
}

function nonFiniteCells(rows: JsonValue[]): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  rows.forEach((row, r) => {
    if (!Array.isArray(row)) return;
    row.forEach((cell, c) => {
      if (typeof cell === 'number' && !Number.isFinite(cell)) out.push([r, c]);
    });
  });
  return out;
}

const MEDIA_TAG = /^<media id=(\d+)>$/;

function mediaIds(rows: JsonValue[]): number[] {
  const ids = new Set<number>();
  for (const row of rows) {
    if (!Array.isArray(row)) continue;
    for (const cell of row) {
      const m = typeof cell === 'string' ? MEDIA_TAG.exec(cell) : null;
      if (m) ids.add(Number(m[1]));
    }
  }
  return [...ids];
}

export function tableList(ctx: ReaderContext, run: RunRef): Record<string, unknown> {
  return { tables: rowNames(ctx, run.dir).tables };
}

export function tableEntries(
  ctx: ReaderContext,
  run: RunRef,
  name: string,
  limit: number | null,
  afterStep: number | null,
  resolveMedia: boolean,
): Record<string, unknown> {
  const stored = tableRowsOf(ctx, run.dir, name);
  const file = ctx.handles.root.name(runPaths(run.dir).metadataDb);
  const data = trimEntries(stored, afterStep, limit).map((t) => {
    const parse = (text: string | null, column: string) =>
      parseArray(text, () => `${file}: table ${JSON.stringify(t.name)} at step ${t.step}: ${column}`);
    const rows = parse(t.rows, 'rows');
    return {
      step: t.step,
      global_step: t.global_step,
      name: t.name,
      columns: parse(t.columns, 'columns'),
      column_types: parse(t.column_types, 'column_types'),
      rows,
      nonfinite_cells: nonFiniteCells(rows),
    };
  });
  const out: Record<string, unknown> = { experiment_id: run.runIdPart, table_name: name, data };
  if (resolveMedia) {
    const ids = mediaIds(data.flatMap((d) => d.rows));
    const rows = mediaRowsOfIds(ctx, run.dir, ids);
    const media: Record<string, unknown> = {};
    for (const r of rows) {
      media[String(r.id)] = {
        url: mediaFilesUrl(run, mediaFilename(r)),
        type: r.type,
        format: r.format,
        width: r.width ?? null,
        height: r.height ?? null,
        caption: r.caption ?? null,
      };
    }
    out.media = media;
  }
  return out;
}
