/**
 * Request bodies: the raw text parsed as JSON; 400 invalid_body when it is not a JSON object.
 */
import type { FastifyRequest } from 'fastify';
import { ApiError } from '../../api-error.js';

export const invalidBody = (message: string) => new ApiError(400, 'invalid_body', message);

export function jsonBody(req: FastifyRequest): Record<string, unknown> {
  const raw = req.body;
  let value: unknown = raw;
  if (typeof raw === 'string') {
    if (raw.trim() === '') throw invalidBody('The request body is empty');
    try {
      value = JSON.parse(raw);
    } catch {
      throw invalidBody('The request body is not valid JSON');
    }
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw invalidBody('The request body must be a JSON object');
  }
  return value as Record<string, unknown>;
}

export function stringList(body: Record<string, unknown>, key: string, required: boolean): string[] | null {
  const v = body[key];
  if (v === undefined || v === null) {
    if (required) throw invalidBody(`"${key}" is required`);
    return null;
  }
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) {
    throw invalidBody(`"${key}" must be a list of strings`);
  }
  return v as string[];
}
