/**
 * Run listing at scale (docs/api.md#filters-and-sorting): search, status and config filters, sort keys,
 * pagination and field selection over index records. Only references to records are collected; nothing is
 * copied per run except for the runs returned.
 */

import { flatConfigMap } from '../../reader/config-flatten.js';
import type { RunRecord } from '../../reader/run-record.js';
import type { JsonValue } from '../../storage/index.js';
import { invalidParameter } from '../api-error.js';
import { intParam, listParam, type Query } from '../query-params.js';
import { filterInSlices, mapInSlices } from '../worker-pool/slices.js';
import { RUN_FIELDS, type RunField, recordConfig } from './run-json.js';

export const RUN_STATUSES = ['running', 'finished', 'interrupted', 'crashed', 'stale', 'unknown'] as const;
const SORT_KEYS = new Set([
  'created_at',
  'updated_at',
  'name',
  'run_id',
  'annotation',
  'status',
  'last_step',
]);

export type ConfigOp = '!=' | '>=' | '<=' | '=' | '>' | '<' | '~' | 'exists';

export interface ConfigFilter {
  key: string;
  op: ConfigOp;
  value: string;
}

export interface SortKey {
  key: string;
  descending: boolean;
}

export interface RunListQuery {
  q: string | null;
  status: Set<string> | null;
  config: ConfigFilter[];
  sort: SortKey[];
  offset: number;
  limit: number | null;
  fields: RunField[] | null;
}

const TWO = ['!=', '>=', '<='] as const;
const ONE = ['=', '>', '<', '~'] as const;

/**
 * `<flat key><op><value>`: the operator is the first of the operators to occur
 * (docs/api.md#filters-and-sorting).
 */
export function parseConfigFilter(text: string): ConfigFilter {
  for (let i = 0; i < text.length; i++) {
    const two = text.slice(i, i + 2);
    const op = (TWO as readonly string[]).includes(two)
      ? two
      : (ONE as readonly string[]).includes(text[i])
        ? text[i]
        : null;
    if (op !== null) {
      const key = text.slice(0, i);
      if (key === '') throw invalidParameter('config', `config filter "${text}" has no key`);
      return { key, op: op as ConfigOp, value: text.slice(i + op.length) };
    }
  }
  if (text === '') throw invalidParameter('config', 'empty config filter');
  return { key: text, op: 'exists', value: '' };
}

/** Filters and sort keys per request: each one costs a pass over every run of the project. */
export const MAX_CONFIG_FILTERS = 64;
export const MAX_SORT_KEYS = 16;

export function parseRunListQuery(q: Query): RunListQuery {
  const configs = q.getAll('config').filter((c) => c !== '');
  if (configs.length > MAX_CONFIG_FILTERS) {
    throw invalidParameter('config', `at most ${MAX_CONFIG_FILTERS} config filters`);
  }
  const sortKeys = listParam(q, 'sort') ?? [];
  if (sortKeys.length > MAX_SORT_KEYS) throw invalidParameter('sort', `at most ${MAX_SORT_KEYS} sort keys`);
  const status = listParam(q, 'status');
  if (status) {
    for (const s of status) {
      if (!(RUN_STATUSES as readonly string[]).includes(s)) {
        throw invalidParameter('status', `status must be a comma list of ${RUN_STATUSES.join(', ')}`);
      }
    }
  }
  const sort = sortKeys.map((s) => {
    const descending = s.startsWith('-');
    const key = descending ? s.slice(1) : s;
    if (!SORT_KEYS.has(key) && !(key.startsWith('config.') && key.length > 7)) {
      throw invalidParameter('sort', `unknown sort key "${key}"`);
    }
    return { key, descending };
  });
  const fieldsList = listParam(q, 'fields');
  let fields: RunField[] | null = null;
  if (fieldsList) {
    for (const f of fieldsList) {
      if (!(RUN_FIELDS as readonly string[]).includes(f))
        throw invalidParameter('fields', `unknown field "${f}"`);
    }
    fields = RUN_FIELDS.filter((f) => f === 'run_id' || fieldsList.includes(f));
  }
  const text = q.get('q');
  return {
    q: text ? text.toLowerCase() : null,
    status: status ? new Set(status) : null,
    config: configs.map(parseConfigFilter),
    sort,
    offset: intParam(q, 'offset', { min: 0 }) ?? 0,
    limit: intParam(q, 'limit', { min: 1, max: 10_000 }),
    fields,
  };
}

function flatOf(record: RunRecord): Map<string, JsonValue> {
  return record.flatConfig ?? flatConfigMap(recordConfig(record));
}

/** The string form of a leaf: strings as-is, arrays and objects as compact JSON. */
export function leafString(v: JsonValue): string {
  if (typeof v === 'string') return v;
  if (v !== null && typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

function asNumber(v: JsonValue | string): number | null {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v !== 'string' || v.trim() === '') return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
}

export function matchesConfig(flat: Map<string, JsonValue>, f: ConfigFilter): boolean {
  if (!flat.has(f.key)) return f.op === '!=';
  const leaf = flat.get(f.key)!;
  switch (f.op) {
    case 'exists':
      return true;
    case '=':
    case '!=': {
      let equal: boolean;
      const a = asNumber(leaf);
      const b = asNumber(f.value);
      if (a !== null && b !== null) equal = a === b;
      else if (f.value === 'true' || f.value === 'false' || f.value === 'null') {
        equal = leaf === (f.value === 'null' ? null : f.value === 'true');
      } else equal = leafString(leaf) === f.value;
      return f.op === '=' ? equal : !equal;
    }
    case '~':
      return leafString(leaf).toLowerCase().includes(f.value.toLowerCase());
    default: {
      const a = asNumber(leaf);
      const b = asNumber(f.value);
      if (a === null || b === null) return false;
      return f.op === '>' ? a > b : f.op === '>=' ? a >= b : f.op === '<' ? a < b : a <= b;
    }
  }
}

function matchesText(r: RunRecord, q: string): boolean {
  return (
    r.name.toLowerCase().includes(q) ||
    (r.annotation ?? '').toLowerCase().includes(q) ||
    r.runId.toLowerCase().includes(q) ||
    r.folder.toLowerCase().includes(q)
  );
}

type SortValue = number | string | null;

function sortValue(r: RunRecord, key: string): SortValue {
  switch (key) {
    case 'created_at':
      return r.createdAtMs;
    case 'updated_at':
      return r.updatedAtMs;
    case 'name':
      return r.name;
    case 'run_id':
      return r.runId;
    case 'annotation':
      return r.annotation;
    case 'status':
      return r.status;
    case 'last_step':
      return r.lastStep;
    default: {
      const flat = flatOf(r);
      const k = key.slice(7);
      if (!flat.has(k)) return null;
      const leaf = flat.get(k)!;
      if (leaf === null) return null;
      return typeof leaf === 'number' ? (Number.isNaN(leaf) ? null : leaf) : leafString(leaf);
    }
  }
}

function compareValues(a: SortValue, b: SortValue): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'number') return -1; // numbers before strings
  if (typeof b === 'number') return 1;
  const sa = a as string;
  const sb = b as string;
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

/** Orders two sort values of one key; null (missing) comes last in both directions. */
function compareKey(va: SortValue, vb: SortValue, descending: boolean): number {
  if (va === null || vb === null) return va === vb ? 0 : va === null ? 1 : -1;
  const d = compareValues(va, vb);
  return descending ? -d : d;
}

/**
 * Sorts by the keys (missing values last in both directions), ties by run_id ascending. The sort values
 * are computed once per run, in slices; only the comparison sort itself runs in one go.
 */
export async function sortRecords(records: readonly RunRecord[], keys: SortKey[]): Promise<RunRecord[]> {
  const columns: SortValue[][] = [];
  for (const k of keys) columns.push(await mapInSlices(records, (r) => sortValue(r, k.key)));
  const order = Array.from(records.keys());
  order.sort((a, b) => {
    for (let c = 0; c < keys.length; c++) {
      const d = compareKey(columns[c][a], columns[c][b], keys[c].descending);
      if (d !== 0) return d;
    }
    const ia = records[a].runId;
    const ib = records[b].runId;
    return ia < ib ? -1 : ia > ib ? 1 : 0;
  });
  return order.map((i) => records[i]);
}

/**
 * Filters and sorts; `defaultOrder` is the index's cached order, used as-is when nothing is asked. Work on
 * every run is done in slices, so that a query over 10,000 runs never holds the event loop
 * (docs/api.md#work-off-the-event-loop).
 */
export async function queryRuns(
  defaultOrder: readonly RunRecord[],
  query: RunListQuery,
): Promise<readonly RunRecord[]> {
  const filtered =
    query.q === null && query.status === null && query.config.length === 0
      ? defaultOrder
      : await filterInSlices(
          defaultOrder,
          (r) =>
            (query.q === null || matchesText(r, query.q)) &&
            (query.status === null || query.status.has(r.status)) &&
            (query.config.length === 0 || query.config.every((f) => matchesConfig(flatOf(r), f))),
        );
  if (query.sort.length === 0) return filtered;
  return sortRecords(filtered, query.sort);
}
