/**
 * A run as listings show it (docs/api.md#run-records): the compatible fields, then the extension fields.
 * Built from the index record only; the JSON text of the default shape is cached per record (records are
 * immutable).
 */

import type { RunRecord } from '../../reader/run-record.js';
import { formatIsoMicros, type JsonValue, readMetadataJson } from '../../storage/index.js';
import { apiJson } from '../json-encode.js';

export const RUN_FIELDS = [
  'run_id',
  'annotation',
  'name',
  'created_at',
  'updated_at',
  'config',
  'project',
  'board_id',
  'updated_at_ms',
  'finished_at',
  'status',
  'last_step',
] as const;
export type RunField = (typeof RUN_FIELDS)[number];

/** The run's config: from the index, or read from metadata.json when too large to be indexed. */
export function recordConfig(record: RunRecord): JsonValue {
  if (record.config !== undefined) return record.config;
  try {
    return readMetadataJson(record.dir).config ?? {};
  } catch {
    return {};
  }
}

export function runFieldValue(record: RunRecord, field: RunField): unknown {
  switch (field) {
    case 'run_id':
      return record.runId;
    case 'annotation':
      return record.annotation;
    case 'name':
      return record.name;
    case 'created_at':
      return record.createdAt;
    case 'updated_at':
      return record.updatedAtMs === null ? null : formatIsoMicros(record.updatedAtMs);
    case 'config':
      return recordConfig(record);
    case 'project':
      return record.project;
    case 'board_id':
      return record.folder;
    case 'updated_at_ms':
      return record.updatedAtMs;
    case 'finished_at':
      return record.finishedAt;
    case 'status':
      return record.status;
    case 'last_step':
      return record.lastStep;
  }
}

export function runObject(
  record: RunRecord,
  fields: readonly RunField[] = RUN_FIELDS,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of fields) out[f] = runFieldValue(record, f);
  return out;
}

const fullJson = new WeakMap<RunRecord, string>();

/** The JSON text of a run with every field, cached per record. */
export function runJson(record: RunRecord): string {
  let text = fullJson.get(record);
  if (text === undefined) {
    text = apiJson(runObject(record));
    fullJson.set(record, text);
  }
  return text;
}
