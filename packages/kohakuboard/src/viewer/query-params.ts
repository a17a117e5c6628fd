/**
 * Query parameters (docs/api.md#query-parameters): integers, floats, booleans (`true|false|1|0`)
 * and enums, with 400 invalid_parameter naming the parameter on a bad value.
 */
import { invalidParameter } from './api-error.js';

export type Query = URLSearchParams;

export function parseQuery(raw: string): Query {
  return new URLSearchParams(raw);
}

const present = (v: string | null): v is string => v !== null && v !== '';

export function intParam(q: Query, name: string, range: { min?: number; max?: number } = {}): number | null {
  const v = q.get(name);
  if (!present(v)) return null;
  const n = Number(v);
  if (!/^[-+]?\d+$/.test(v.trim()) || !Number.isSafeInteger(n)) {
    throw invalidParameter(name, `${name} must be an integer`);
  }
  if (range.min !== undefined && n < range.min)
    throw invalidParameter(name, `${name} must be >= ${range.min}`);
  if (range.max !== undefined && n > range.max)
    throw invalidParameter(name, `${name} must be <= ${range.max}`);
  return n;
}

export function floatParam(q: Query, name: string): number | null {
  const v = q.get(name);
  if (!present(v)) return null;
  const n = Number(v);
  if (!Number.isFinite(n)) throw invalidParameter(name, `${name} must be a number`);
  return n;
}

export function boolParam(q: Query, name: string, fallback = false): boolean {
  const v = q.get(name);
  if (!present(v)) return fallback;
  const t = v.toLowerCase();
  if (t === 'true' || t === '1') return true;
  if (t === 'false' || t === '0') return false;
  throw invalidParameter(name, `${name} must be true, false, 1 or 0`);
}

export function enumParam<T extends string>(q: Query, name: string, values: readonly T[], fallback: T): T {
  const v = q.get(name);
  if (!present(v)) return fallback;
  if (!(values as readonly string[]).includes(v)) {
    throw invalidParameter(name, `${name} must be one of ${values.join(', ')}`);
  }
  return v as T;
}

/** `limit`: an integer >= 0, where 0 or absent means no limit (docs/api.md#route-table). */
export function limitParam(q: Query, max?: number): number | null {
  const n = intParam(q, 'limit', { min: 0, max });
  return n === null || n === 0 ? null : n;
}

/** A comma list; empty items dropped. */
export function listParam(q: Query, name: string): string[] | null {
  const v = q.get(name);
  if (!present(v)) return null;
  return v
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}
