/**
 * Table (docs/client.md#table): rows of objects (columns = the union of their keys in order of first
 * appearance), rows of arrays with optional column names, or an explicit { columns, rows } spec. Cells may be
 * Media. `captureTable` serialises the cells at log time (each cell on its own, so that one odd cell never
 * loses the table) and captures its media cells.
 */
import { stringifyDialectJson } from '../storage/index.js';
import type { MediaItem, TableItem } from '../writer/messages.js';
import { refuseProblem, takeData } from './data-problem.js';
import { describeValue } from './errors.js';
import { captureMedia, Media } from './media.js';

type JsonValue = null | boolean | number | string | JsonValue[] | { [k: string]: JsonValue };
export type TableCell = JsonValue | bigint | Date | undefined | Media;
export type ColumnType = 'text' | 'number' | 'boolean' | 'media';
const COLUMN_TYPES: readonly ColumnType[] = ['text', 'number', 'boolean', 'media'];

export interface TableOptions {
  columns?: string[];
  columnTypes?: ColumnType[];
}

const isRowObject = (r: unknown): r is Record<string, TableCell> =>
  r !== null && typeof r === 'object' && !Array.isArray(r) && !(r instanceof Media);

export class Table {
  readonly columns: string[];
  readonly columnTypes: ColumnType[];
  readonly rows: TableCell[][];
  /**
   * @internal Null, or why log() skips this table (its rows do not fit together, or there are none to tell
   * the columns). Recorded instead of thrown, so that a mistake never ends a training loop.
   */
  readonly problem: string | null;

  constructor(rows: Array<Record<string, TableCell>>);
  constructor(rows: TableCell[][], options?: TableOptions);
  constructor(spec: { columns: string[]; rows: TableCell[][]; columnTypes?: ColumnType[] });
  constructor(
    input:
      | Array<Record<string, TableCell>>
      | TableCell[][]
      | { columns: string[]; rows: TableCell[][]; columnTypes?: ColumnType[] },
    options: TableOptions = {},
  ) {
    // Options wrong in themselves throw at once; everything about the data is recorded.
    if (options === null || typeof options !== 'object')
      throw new TypeError('Table options must be an object');
    if (options.columns !== undefined) checkColumns(options.columns);
    if (options.columnTypes !== undefined) checkColumnTypeNames(options.columnTypes);
    const { value, problem } = takeData(
      () => parseTable(input, options),
      () => ({ columns: [], rows: [], columnTypes: [] }),
    );
    this.columns = value.columns;
    this.rows = value.rows;
    this.columnTypes = value.columnTypes;
    this.problem = problem;
  }
}

function parseTable(
  input: unknown,
  options: TableOptions,
): { columns: string[]; rows: TableCell[][]; columnTypes: ColumnType[] } {
  let columns: string[];
  let rows: TableCell[][];
  let columnTypes: ColumnType[] | undefined;
  if (Array.isArray(input)) {
    if (input.length === 0) {
      throw new TypeError(
        'Table needs at least one row to know its columns; use new Table({ columns, rows: [] })',
      );
    }
    columnTypes = options.columnTypes;
    if (Array.isArray(input[0])) {
      const width = (input[0] as TableCell[]).length;
      const cols = checkColumns(options.columns ?? Array.from({ length: width }, (_, i) => `col_${i}`));
      columns = cols;
      rows = (input as unknown[]).map((row, r) => {
        if (!Array.isArray(row) || row.length !== cols.length) {
          throw new TypeError(
            `Table row ${r} must be an array of ${cols.length} cells, got ${Array.isArray(row) ? `${row.length} cells` : describeValue(row)}`,
          );
        }
        return [...row];
      });
    } else {
      const cols: string[] = [];
      const seen = new Set<string>();
      input.forEach((row, r) => {
        if (!isRowObject(row))
          throw new TypeError(`Table row ${r} must be an object, got ${describeValue(row)}`);
        for (const key of Object.keys(row)) {
          if (!seen.has(key)) {
            seen.add(key);
            cols.push(key);
          }
        }
      });
      columns = cols;
      rows = (input as Array<Record<string, TableCell>>).map((row) =>
        cols.map((c) => (Object.hasOwn(row, c) ? row[c] : null)),
      );
    }
  } else if (
    input !== null &&
    typeof input === 'object' &&
    Array.isArray((input as { columns?: unknown }).columns) &&
    Array.isArray((input as { rows?: unknown }).rows)
  ) {
    const spec = input as { columns: unknown; rows: unknown[]; columnTypes?: unknown };
    const cols = checkColumns(spec.columns);
    columns = cols;
    rows = spec.rows.map((row, r) => {
      if (!Array.isArray(row) || row.length !== cols.length) {
        throw new TypeError(`Table row ${r} must be an array of ${cols.length} cells`);
      }
      return [...row];
    });
    if (spec.columnTypes !== undefined) columnTypes = checkColumnTypeNames(spec.columnTypes);
  } else {
    throw new TypeError(
      `Table takes an array of row objects, an array of row arrays, or { columns, rows }, got ${describeValue(input)}`,
    );
  }
  if (columnTypes !== undefined && columnTypes.length !== columns.length) {
    throw new TypeError(`Table columnTypes must list one type per column (${columns.length})`);
  }
  return {
    columns,
    rows,
    columnTypes: columnTypes ? [...columnTypes] : columns.map((_, c) => inferType(rows, c)),
  };
}

function checkColumnTypeNames(columnTypes: unknown): ColumnType[] {
  if (!Array.isArray(columnTypes)) throw new TypeError('Table columnTypes must be an array');
  for (const t of columnTypes) {
    if (!COLUMN_TYPES.includes(t))
      throw new TypeError(
        `Table column type must be one of ${COLUMN_TYPES.join(', ')}, got ${describeValue(t)}`,
      );
  }
  return columnTypes;
}

function checkColumns(columns: unknown): string[] {
  if (!Array.isArray(columns) || !columns.every((c) => typeof c === 'string')) {
    throw new TypeError('Table columns must be an array of strings');
  }
  return [...columns];
}

function inferType(rows: TableCell[][], c: number): ColumnType {
  for (const row of rows) {
    const v = row[c];
    if (v === null || v === undefined) continue;
    if (v instanceof Media) return 'media';
    if (typeof v === 'boolean') return 'boolean';
    if (typeof v === 'number' || typeof v === 'bigint') return 'number';
    return 'text';
  }
  return 'text';
}

/**
 * The transferable form of a table: every cell as JSON text in the run-folder dialect (a cell JSON cannot
 * express is written as its String() form and listed in `fallbacks`), media cells captured as items named
 * `<table>_r<r>_c<c>`. `onMediaError` hears about media cells that could not be captured.
 */
export function captureTable(
  table: Table,
  name: string,
  onMediaError: (cell: string, problem: string) => void,
): TableItem {
  refuseProblem(table.problem);
  const media: Array<MediaItem | null> = [];
  const fallbacks: string[] = [];
  const rows = table.rows.map((row, r) =>
    row.map((cell, c) => {
      if (cell instanceof Media) {
        const cellName = `${name}_r${r}_c${c}`;
        try {
          media.push(captureMedia(cell, cellName));
        } catch (err) {
          onMediaError(cellName, (err as Error).message);
          media.push(null);
        }
        return { media: media.length - 1 };
      }
      return stringifyDialectJson(cell, {
        unsupported: 'string',
        onFallback: (path) =>
          fallbacks.push(`[${r}][${table.columns[c]}]${path === '$' ? '' : path.slice(1)}`),
      });
    }),
  );
  return {
    kind: 'table',
    name,
    columns: [...table.columns],
    columnTypes: [...table.columnTypes],
    rows,
    media,
    fallbacks,
  };
}
