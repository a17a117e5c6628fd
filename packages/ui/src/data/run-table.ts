/**
 * The run table's model (docs/ui.md#run-table): columns (run fields, config keys, a metric's last, min or
 * max), the value of a cell, sorting, and the filter expressions such as `val/acc > 0.9 and lr < 0.01`.
 * Pure functions over the run records and the server's metric summaries; the component only draws.
 */
import { toNumber } from '../api/nonfinite';
import type { MetricSummary, RunRecord } from '../api/types';

export type MetricStat = 'last' | 'min' | 'max';
export const METRIC_STATS: readonly MetricStat[] = ['last', 'min', 'max'];

export type TableColumn =
  | { kind: 'field'; field: 'name' | 'status' | 'last_step' | 'updated' }
  | { kind: 'config'; key: string }
  | { kind: 'metric'; metric: string; stat: MetricStat };

/** A column as stored in the layout: `config:<key>`, `last:<metric>`, `min:<metric>`, `max:<metric>`. */
export function columnId(c: TableColumn): string {
  if (c.kind === 'field') return `field:${c.field}`;
  if (c.kind === 'config') return `config:${c.key}`;
  return `${c.stat}:${c.metric}`;
}

export function parseColumnId(id: string): TableColumn | null {
  const at = id.indexOf(':');
  if (at < 0) return null;
  const head = id.slice(0, at);
  const rest = id.slice(at + 1);
  if (!rest) return null;
  if (head === 'config') return { kind: 'config', key: rest };
  if (head === 'field') {
    return rest === 'name' || rest === 'status' || rest === 'last_step' || rest === 'updated'
      ? { kind: 'field', field: rest }
      : null;
  }
  if ((METRIC_STATS as readonly string[]).includes(head))
    return { kind: 'metric', metric: rest, stat: head as MetricStat };
  return null;
}

export function columnLabel(c: TableColumn): string {
  if (c.kind === 'field') return c.field === 'last_step' ? 'step' : c.field;
  if (c.kind === 'config') return c.key;
  return c.stat === 'last' ? c.metric : `${c.stat}(${c.metric})`;
}

/** One row: the run and its summaries by metric (absent: the run lacks the metric). */
export interface TableRow {
  run: RunRecord;
  metrics: Record<string, MetricSummary>;
}

/** A cell's value: a number (NaN and ±Infinity included), a string, or undefined when missing. */
export type CellValue = number | string | boolean | undefined;

export function configLeaf(config: unknown, key: string): unknown {
  let v: unknown = config;
  for (const part of key.split('.')) {
    if (!v || typeof v !== 'object' || Array.isArray(v)) return undefined;
    v = (v as Record<string, unknown>)[part];
  }
  return v;
}

export function cellValue(row: TableRow, c: TableColumn): CellValue {
  if (c.kind === 'metric') {
    const s = row.metrics[c.metric];
    if (!s) return undefined;
    const v = s[c.stat];
    return v === null ? undefined : toNumber(v);
  }
  if (c.kind === 'config') {
    const v = configLeaf(row.run.config, c.key);
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') return v;
    return JSON.stringify(v);
  }
  switch (c.field) {
    case 'name':
      return row.run.name;
    case 'status':
      return row.run.status;
    case 'last_step':
      return row.run.last_step ?? undefined;
    case 'updated':
      return row.run.updated_at_ms ?? undefined;
  }
}

/** A number for display: compact, non-finite values by name. */
export function formatCell(v: CellValue): string {
  if (v === undefined) return '—';
  if (typeof v !== 'number') return String(v);
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '∞' : '−∞';
  if (Number.isInteger(v) && Math.abs(v) < 1e15) return String(v);
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-4 || a >= 1e6) ? v.toExponential(3) : String(Number(v.toPrecision(5)));
}

/**
 * Compares two cells for an ascending sort: numbers before strings, missing and NaN last whatever the
 * direction (the caller flips only the rest).
 */
function rank(v: CellValue): number {
  if (v === undefined || (typeof v === 'number' && Number.isNaN(v))) return 2;
  return typeof v === 'number' ? 0 : 1;
}

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

export function sortRows(rows: readonly TableRow[], c: TableColumn, descending: boolean): TableRow[] {
  const keyed = rows.map((row) => ({ row, v: cellValue(row, c) }));
  const dir = descending ? -1 : 1;
  keyed.sort((a, b) => {
    const ra = rank(a.v);
    const rb = rank(b.v);
    if (ra !== rb || ra === 2) return ra - rb;
    if (ra === 0) return ((a.v as number) - (b.v as number)) * dir || 0;
    return collator.compare(String(a.v), String(b.v)) * dir;
  });
  return keyed.map((k) => k.row);
}

// ---- filter expressions ----

export type FilterOp = '>' | '>=' | '<' | '<=' | '=' | '!=' | '~';

export interface FilterTerm {
  /** What the left side names: a metric (with its statistic) or a config key. */
  column: TableColumn;
  op: FilterOp;
  value: number | string;
}

export interface ParsedFilter {
  terms: FilterTerm[];
  /** Metrics the terms read (their summaries must be fetched). */
  metrics: string[];
}

export class FilterError extends Error {}

const TERM = /^\s*(?:(last|min|max)\(\s*([^()]+?)\s*\)|([^\s<>=!~]+))\s*(>=|<=|!=|==|=|>|<|~)\s*(.+?)\s*$/;

/**
 * Parses `term and term …` (also `&&` or `,`). A term is `<name> <op> <value>`, op one of
 * `> >= < <= = == != ~`; `<name>` is a metric (its last value), `min(<metric>)` / `max(<metric>)`, or
 * `config.<key>`; a bare name that is not a known metric is a config key. Values are numbers (also
 * `nan`, `inf`, `-inf`) or text (quotes optional).
 */
export function parseFilter(text: string, knownMetrics: ReadonlySet<string>): ParsedFilter {
  const terms: FilterTerm[] = [];
  const src = text.trim();
  if (!src) return { terms, metrics: [] };
  for (const part of src.split(/\s+and\s+|\s*&&\s*|\s*,\s*/i)) {
    if (!part.trim()) continue;
    const m = TERM.exec(part);
    if (!m) throw new FilterError(`cannot read “${part.trim()}”: expected <metric or key> <op> <value>`);
    const [, stat, statMetric, bare, rawOp, rawValue] = m;
    let column: TableColumn;
    if (stat) column = { kind: 'metric', metric: statMetric, stat: stat as MetricStat };
    else if (bare.startsWith('config.')) column = { kind: 'config', key: bare.slice(7) };
    else if (knownMetrics.has(bare)) column = { kind: 'metric', metric: bare, stat: 'last' };
    else column = { kind: 'config', key: bare };
    const op = (rawOp === '==' ? '=' : rawOp) as FilterOp;
    terms.push({ column, op, value: parseValue(rawValue, op) });
  }
  const metrics = [...new Set(terms.flatMap((t) => (t.column.kind === 'metric' ? [t.column.metric] : [])))];
  return { terms, metrics };
}

function parseValue(raw: string, op: FilterOp): number | string {
  const unquoted = raw.replace(/^(["'])(.*)\1$/, '$2');
  if (unquoted !== raw || op === '~') return unquoted;
  const lower = raw.toLowerCase();
  if (lower === 'nan') return Number.NaN;
  if (lower === 'inf' || lower === '+inf' || lower === 'infinity') return Number.POSITIVE_INFINITY;
  if (lower === '-inf' || lower === '-infinity') return Number.NEGATIVE_INFINITY;
  const n = Number(raw);
  if (raw !== '' && !Number.isNaN(n)) return n;
  if (op !== '=' && op !== '!=') throw new FilterError(`“${raw}” is not a number (needed by ${op})`);
  return raw;
}

function matches(v: CellValue, t: FilterTerm): boolean {
  if (v === undefined) return t.op === '!=';
  if (t.op === '~') return String(v).toLowerCase().includes(String(t.value).toLowerCase());
  if (typeof t.value === 'number') {
    const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : Number.NaN;
    if (t.op === '=') return Object.is(n, t.value) || n === t.value;
    if (t.op === '!=') return !(Object.is(n, t.value) || n === t.value);
    if (Number.isNaN(n)) return false;
    if (t.op === '>') return n > t.value;
    if (t.op === '>=') return n >= t.value;
    if (t.op === '<') return n < t.value;
    return n <= t.value;
  }
  const same = String(v) === t.value;
  return t.op === '!=' ? !same : same;
}

export function filterRows(rows: readonly TableRow[], filter: ParsedFilter): TableRow[] {
  if (filter.terms.length === 0) return rows.slice();
  return rows.filter((row) => filter.terms.every((t) => matches(cellValue(row, t.column), t)));
}
