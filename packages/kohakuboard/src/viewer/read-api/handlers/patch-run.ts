/**
 * PATCH a run (docs/api.md#renaming-a-run): rename it or change its annotation, in the order of checks the spec gives (the
 * read-only and write checks are the route context's). Everything is validated before anything is written,
 * the new folder name included (a name the file system cannot hold is 400 invalid_annotation); then
 * metadata.json is rewritten atomically (unique temporary name) keeping every other key and its order, and
 * the folder is renamed. If the rename fails, the previous metadata.json is put back, so that a failed PATCH
 * changes nothing. The index is updated and run_updated is sent.
 */
import { existsSync, readFileSync, renameSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { FastifyReply } from 'fastify';
import type { RunRecord } from '../../../reader/run-record.js';
import {
  type JsonValue,
  METADATA_FILE,
  readMetadataJson,
  sanitizeAnnotation,
  writeFileAtomic,
  writeMetadataJson,
} from '../../../storage/index.js';
import { ApiError, notFound } from '../../api-error.js';
import type { PatchRunBody, PatchRunResponse } from '../api-types.js';
import type { RunContext } from '../route-context.js';

/** The longest file name most file systems hold (NAME_MAX), in bytes. */
export const MAX_FOLDER_NAME_BYTES = 255;

interface PatchPlan {
  metadata: Record<string, JsonValue>;
  /** The folder to rename the run to, or null to keep it. */
  newFolder: string | null;
}

/**
 * Every check of docs/api.md#renaming-a-run, and the new metadata and folder name; nothing is written
 * yet.
 */
function planPatch(c: RunContext, body: PatchRunBody): PatchPlan {
  const { run } = c;
  const name = body.name ?? null;
  const annotationInput = body.annotation ?? null;
  if (name === null && annotationInput === null) {
    throw new ApiError(400, 'no_update_fields', 'No update fields provided');
  }
  const dir = c.ref.dir;
  if (!existsSync(join(dir, METADATA_FILE))) throw notFound('metadata_not_found', 'metadata.json not found');
  if (run.status === 'running') {
    throw new ApiError(409, 'run_is_running', 'Run is still running; edit it after it ends');
  }
  const metadata = readMetadataJson(dir);
  if (name !== null) {
    const trimmed = name.trim();
    if (trimmed === '') throw new ApiError(400, 'empty_name', 'Run name cannot be empty');
    metadata.name = trimmed;
  }
  if (annotationInput === null) return { metadata, newFolder: null };
  const annotation = sanitizeAnnotation(annotationInput);
  if (annotation === null) {
    throw new ApiError(400, 'invalid_annotation', "Annotation must contain letters, numbers, '-' or '_'");
  }
  if (annotation === run.annotation) return { metadata, newFolder: null };
  const newFolder = `${run.runIdPart}_${annotation}`;
  if (Buffer.byteLength(newFolder) > MAX_FOLDER_NAME_BYTES) {
    throw new ApiError(
      400,
      'invalid_annotation',
      `Annotation is too long: the run folder name would have ${Buffer.byteLength(newFolder)} bytes, at most ${MAX_FOLDER_NAME_BYTES} are possible`,
    );
  }
  if (existsSync(join(dirname(dir), newFolder))) {
    throw new ApiError(
      409,
      'annotation_exists',
      `Annotation '${annotation}' already exists in project '${run.project}'`,
    );
  }
  metadata.annotation = annotation;
  return { metadata, newFolder };
}

/**
 * Writes metadata.json, then renames the folder; when the rename fails, the previous metadata.json is
 * written back before the error goes on (a 500 that is logged with its cause).
 */
function applyPatch(dir: string, plan: PatchPlan): string | null {
  const metadataPath = join(dir, METADATA_FILE);
  const previous = readFileSync(metadataPath, 'utf8');
  writeMetadataJson(dir, plan.metadata);
  if (plan.newFolder === null) return null;
  const newDir = join(dirname(dir), plan.newFolder);
  try {
    renameSync(dir, newDir);
  } catch (err) {
    writeFileAtomic(metadataPath, previous);
    throw new Error(`cannot rename the run folder ${dir} to ${plan.newFolder}`, { cause: err });
  }
  return newDir;
}

export function patchRun(c: RunContext, body: PatchRunBody): FastifyReply {
  const { h, run } = c;
  const plan = planPatch(c, body);
  const newDir = applyPatch(c.ref.dir, plan);
  let updated: RunRecord | null;
  if (newDir !== null && plan.newFolder !== null)
    updated = h.index.renameRun(run.key, newDir, plan.newFolder);
  else updated = h.index.refreshRun(run.key);
  const final = updated ?? run;
  const { metadata } = plan;
  const response: PatchRunResponse = {
    run_id: run.runIdPart,
    annotation: plan.newFolder !== null ? (metadata.annotation as string) : final.annotation,
    name: typeof metadata.name === 'string' ? metadata.name : final.name,
    finished_at: (metadata.finished_at ?? null) as string | null,
  };
  return c.reply.header('cache-control', 'no-store').send(response);
}
