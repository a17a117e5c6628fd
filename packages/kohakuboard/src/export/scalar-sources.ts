/**
 * Scalar metrics as a long ("tidy") table, one row per logged point, or as a wide table, one row per step
 * with a column per metric (docs/export.md#scalars).
 *
 * Long: each metric file is read in row ranges and its raw column bytes are copied into the batch as they
 * are, in the order the points were logged. Wide: the metrics of a run are merged by step, reading each
 * metric in ranges; a metric whose steps are not in order is read whole and sorted (stable) first.
 */
import {
  type ColumnMeta,
  decodeF64,
  decodeI64,
  listMetricFiles,
  logicalRowCount,
  openReadOnly,
  type ReadOnlyDatabase,
  readColumnMetas,
  readFixedBytes,
  requireColumn,
} from '../storage/index.js';
import type { ExportRun } from './export-targets.js';
import type { NameFilter } from './name-filter.js';
import { fillRunColumns, runColumnDefs } from './run-columns.js';
import type { BatchBuilder, ColumnDef } from './table-model.js';
import { type ExportProblem, type FillContext, problemText, type TableSource } from './table-source.js';

const METRIC_COLUMNS = ['step', 'global_step', 'timestamp', 'value'] as const;
/** Rows read from a metric file per query. */
const READ_ROWS = 65536;

interface MetricPlan {
  name: string;
  file: string;
  rows: number;
}

interface RunPlan {
  run: ExportRun;
  metrics: MetricPlan[];
}

interface OpenMetric {
  handle: ReadOnlyDatabase;
  cols: ColumnMeta[];
  rows: number;
}

function openMetric(file: string): OpenMetric {
  const handle = openReadOnly(file);
  try {
    const metas = readColumnMetas(handle.db, file);
    const rows = logicalRowCount(metas, [...METRIC_COLUMNS], file);
    return { handle, cols: METRIC_COLUMNS.map((c) => requireColumn(metas, c, file)), rows };
  } catch (err) {
    handle.close();
    throw err;
  }
}

/** The metrics of every run that pass the filter, with their row counts; unreadable files are reported. */
function planRuns(
  runs: readonly ExportRun[],
  filter: NameFilter,
  report: (p: ExportProblem) => void,
): RunPlan[] {
  return runs.map((run) => {
    const metrics: MetricPlan[] = [];
    for (const { name, file } of listMetricFiles(run.dir)) {
      if (!filter(name)) continue;
      try {
        const m = openMetric(file);
        m.handle.close();
        metrics.push({ name, file, rows: m.rows });
      } catch (err) {
        report({ file, message: problemText(err, file) });
      }
    }
    return { run, metrics };
  });
}

export class LongScalarSource implements TableSource {
  readonly defs: ColumnDef[];
  readonly estimatedRows: number;
  private readonly plans: RunPlan[];
  private readonly base: number;

  constructor(
    runs: readonly ExportRun[],
    filter: NameFilter,
    private readonly withRuns: boolean,
    report: (p: ExportProblem) => void,
  ) {
    this.defs = [
      ...runColumnDefs(withRuns),
      { name: 'metric', type: 'string', nullable: false },
      { name: 'step', type: 'int64', nullable: false },
      { name: 'global_step', type: 'int64', nullable: false },
      { name: 'timestamp', type: 'timestamp', nullable: false },
      { name: 'value', type: 'float64', nullable: false },
    ];
    this.base = withRuns ? 3 : 0;
    this.plans = planRuns(runs, filter, report);
    this.estimatedRows = this.plans.reduce((a, p) => a + p.metrics.reduce((b, m) => b + m.rows, 0), 0);
  }

  async fill(builder: BatchBuilder, ctx: FillContext): Promise<void> {
    const metricCol = this.base;
    for (const { run, metrics } of this.plans) {
      for (const metric of metrics) {
        let open: OpenMetric;
        try {
          open = openMetric(metric.file);
        } catch (err) {
          ctx.report({ file: metric.file, message: problemText(err, metric.file) });
          continue;
        }
        const code = builder.dictionaries[metricCol]!.code(metric.name);
        let done = 0;
        try {
          // Rows up to the count seen now: a live writer only appends beyond it.
          while (done < open.rows) {
            const n = Math.min(builder.room, READ_ROWS, open.rows - done);
            const at = builder.length;
            for (let c = 0; c < 4; c++) {
              builder.copyFixed(
                metricCol + 1 + c,
                at,
                readFixedBytes(open.handle.db, open.cols[c], metric.file, done, done + n),
              );
            }
            builder.fillString(metricCol, at, n, code);
            fillRunColumns(builder, this.withRuns, run, at, n);
            builder.length += n;
            done += n;
            if (builder.full) await ctx.flush();
          }
        } catch (err) {
          ctx.report({
            file: metric.file,
            message: `${problemText(err, metric.file)} (exported its first ${done} of ${open.rows} rows)`,
          });
        } finally {
          open.handle.close();
        }
      }
    }
  }
}

/**
 * A metric read in ranges, decoded, positioned at its next row. Whether its steps are in order is checked
 * first, over the step column alone; a metric that is not is read whole and sorted (stable) instead.
 */
class MetricCursor {
  private steps: Float64Array = new Float64Array(0);
  private gs: Float64Array = new Float64Array(0);
  private ts: Float64Array = new Float64Array(0);
  private vals: Float64Array = new Float64Array(0);
  private pos = 0;
  private readFrom = 0;

  private constructor(
    readonly name: string,
    readonly file: string,
    private readonly open: OpenMetric,
  ) {}

  static create(name: string, file: string): MetricCursor {
    const c = new MetricCursor(name, file, openMetric(file));
    try {
      if (!c.ordered()) c.loadSorted();
    } catch (err) {
      c.close();
      throw err;
    }
    return c;
  }

  close(): void {
    this.open.handle.close();
  }

  private ordered(): boolean {
    let prev = Number.NEGATIVE_INFINITY;
    for (let from = 0; from < this.open.rows; from += READ_ROWS) {
      const to = Math.min(this.open.rows, from + READ_ROWS);
      const steps = decodeI64(readFixedBytes(this.open.handle.db, this.open.cols[0], this.file, from, to));
      for (let i = 0; i < steps.length; i++) {
        if (steps[i] < prev) return false;
        prev = steps[i];
      }
    }
    return true;
  }

  private read(from: number, to: number): void {
    const db = this.open.handle.db;
    const [s, g, t, v] = this.open.cols.map((col) => readFixedBytes(db, col, this.file, from, to));
    this.steps = decodeI64(s);
    this.gs = decodeI64(g);
    this.ts = decodeI64(t);
    this.vals = decodeF64(v);
    this.pos = 0;
    this.readFrom = to;
  }

  private loadSorted(): void {
    this.read(0, this.open.rows);
    const steps = this.steps;
    const order = Array.from(steps.keys()).sort((a, b) => steps[a] - steps[b] || a - b);
    const pick = (src: Float64Array) => Float64Array.from(order, (i) => src[i]);
    this.steps = pick(steps);
    this.gs = pick(this.gs);
    this.ts = pick(this.ts);
    this.vals = pick(this.vals);
  }

  /** The step of the next row, or null at the end. */
  peek(): number | null {
    if (this.pos >= this.steps.length) {
      if (this.readFrom >= this.open.rows) return null;
      this.read(this.readFrom, Math.min(this.open.rows, this.readFrom + READ_ROWS));
    }
    return this.steps[this.pos];
  }

  /** Consumes every row at `step` (the next rows); returns the last one: the value a step ends with. */
  take(step: number): { value: number; globalStep: number; timestamp: number } {
    let row = { value: Number.NaN, globalStep: 0, timestamp: 0 };
    while (this.peek() === step) {
      row = { value: this.vals[this.pos], globalStep: this.gs[this.pos], timestamp: this.ts[this.pos] };
      this.pos++;
    }
    return row;
  }
}

/** A wide table: step, global_step, timestamp, then one float64 column per metric (null: no value). */
export class WideScalarSource implements TableSource {
  readonly defs: ColumnDef[];
  readonly estimatedRows: number;
  private readonly plans: RunPlan[];
  private readonly metricNames: string[];
  private readonly base: number;

  constructor(
    runs: readonly ExportRun[],
    filter: NameFilter,
    private readonly withRuns: boolean,
    report: (p: ExportProblem) => void,
  ) {
    this.plans = planRuns(runs, filter, report);
    this.metricNames = [...new Set(this.plans.flatMap((p) => p.metrics.map((m) => m.name)))].sort();
    this.base = withRuns ? 3 : 0;
    this.defs = [
      ...runColumnDefs(withRuns),
      { name: 'step', type: 'int64', nullable: false },
      { name: 'global_step', type: 'int64', nullable: false },
      { name: 'timestamp', type: 'timestamp', nullable: false },
      ...this.metricNames.map((name): ColumnDef => ({ name, type: 'float64', nullable: true })),
    ];
    // The row count is known only once the steps are merged.
    this.estimatedRows = 0;
  }

  async fill(builder: BatchBuilder, ctx: FillContext): Promise<void> {
    const column = new Map(this.metricNames.map((n, i) => [n, this.base + 3 + i]));
    for (const { run, metrics } of this.plans) {
      const cursors: MetricCursor[] = [];
      for (const m of metrics) {
        try {
          cursors.push(MetricCursor.create(m.name, m.file));
        } catch (err) {
          ctx.report({ file: m.file, message: problemText(err, m.file) });
        }
      }
      try {
        await this.merge(run, cursors, column, builder, ctx);
      } finally {
        for (const c of cursors) c.close();
      }
    }
  }

  private async merge(
    run: ExportRun,
    cursors: MetricCursor[],
    column: Map<string, number>,
    builder: BatchBuilder,
    ctx: FillContext,
  ): Promise<void> {
    let live = cursors;
    const failed = new Set<MetricCursor>();
    const guard = <T>(c: MetricCursor, fn: () => T, fallback: T): T => {
      try {
        return fn();
      } catch (err) {
        failed.add(c);
        ctx.report({
          file: c.file,
          message: `${problemText(err, c.file)} (exported its rows up to the failure)`,
        });
        return fallback;
      }
    };
    const safePeek = (c: MetricCursor): number | null =>
      failed.has(c) ? null : guard(c, () => c.peek(), null);
    for (;;) {
      let step = Number.POSITIVE_INFINITY;
      const next: MetricCursor[] = [];
      for (const c of live) {
        const s = safePeek(c);
        if (s === null) continue;
        next.push(c);
        if (s < step) step = s;
      }
      live = next;
      if (live.length === 0) return;
      const row = builder.length;
      let first = true;
      for (const col of column.values()) builder.setNumber(col, row, null);
      for (const c of live) {
        if (c.peek() !== step) continue;
        const r = guard(c, () => c.take(step), null);
        if (r === null) continue;
        builder.setNumber(column.get(c.name)!, row, r.value);
        if (first) {
          builder.setNumber(this.base + 1, row, r.globalStep, true);
          builder.setNumber(this.base + 2, row, r.timestamp, true);
          first = false;
        }
      }
      builder.setNumber(this.base, row, step, true);
      fillRunColumns(builder, this.withRuns, run, row, 1);
      builder.length++;
      if (builder.full) await ctx.flush();
    }
  }
}
