/**
 * PATCH a run (API.md §A.6): rename it or change its annotation, in the order of checks the spec gives.
 * metadata.json is rewritten atomically (unique temporary name, STORAGE.md §3.4) keeping every other key and
 * its order; a folder rename also sets the `annotation` key. The index is updated and run_updated is sent.
 */
import { existsSync, renameSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { RunRecord } from '../../../reader/run-record.js';
import {
  type JsonValue,
  readMetadataJson,
  sanitizeAnnotation,
  writeMetadataJson,
} from '../../../storage/index.js';
import { ApiError, forbidden, notFound } from '../../api-error.js';
import type { ReadApiOptions } from '../options.js';
import { sendJson } from '../send.js';
import { invalidBody, jsonBody } from './body.js';

function optionalString(body: Record<string, unknown>, key: string): string | null {
  const v = body[key];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string') throw invalidBody(`"${key}" must be a string or null`);
  return v;
}

export async function patchRun(
  h: ReadApiOptions,
  principal: unknown,
  run: RunRecord,
  req: FastifyRequest,
  reply: FastifyReply,
): Promise<FastifyReply> {
  if (h.readOnly)
    throw new ApiError(405, 'read_only', 'The viewer is read-only', undefined, { allow: 'GET, HEAD' });
  // The caller can read the run (or the route would have answered 404): writing is forbidden (SERVER.md §4.2).
  if (!h.access.canWriteRun(principal, run)) throw forbidden();
  const body = jsonBody(req);
  const name = optionalString(body, 'name');
  const annotationInput = optionalString(body, 'annotation');
  if (name === null && annotationInput === null) {
    throw new ApiError(400, 'no_update_fields', 'No update fields provided');
  }
  const dir = h.index.runDir(run);
  if (!existsSync(join(dir, 'metadata.json')))
    throw notFound('metadata_not_found', 'metadata.json not found');
  if (run.status === 'running') {
    throw new ApiError(409, 'run_is_running', 'Run is still running; edit it after it ends');
  }
  const metadata: Record<string, JsonValue> = readMetadataJson(dir);
  if (name !== null) {
    const trimmed = name.trim();
    if (trimmed === '') throw new ApiError(400, 'empty_name', 'Run name cannot be empty');
    metadata.name = trimmed;
  }
  let newFolder: string | null = null;
  if (annotationInput !== null) {
    const annotation = sanitizeAnnotation(annotationInput);
    if (annotation === null) {
      throw new ApiError(400, 'invalid_annotation', "Annotation must contain letters, numbers, '-' or '_'");
    }
    if (annotation !== run.annotation) {
      newFolder = `${run.runIdPart}_${annotation}`;
      if (existsSync(join(dirname(dir), newFolder))) {
        throw new ApiError(
          409,
          'annotation_exists',
          `Annotation '${annotation}' already exists in project '${run.project}'`,
        );
      }
      metadata.annotation = annotation;
    }
  }
  writeMetadataJson(dir, metadata);
  let updated: RunRecord | null;
  if (newFolder !== null) {
    const newDir = join(dirname(dir), newFolder);
    renameSync(dir, newDir);
    updated = h.index.renameRun(run.key, newDir, newFolder);
  } else {
    updated = h.index.refreshRun(run.key);
  }
  const final = updated ?? run;
  return sendJson(reply, {
    run_id: run.runIdPart,
    annotation: newFolder !== null ? (metadata.annotation as string) : final.annotation,
    name: typeof metadata.name === 'string' ? metadata.name : final.name,
    finished_at: metadata.finished_at ?? null,
  });
}
