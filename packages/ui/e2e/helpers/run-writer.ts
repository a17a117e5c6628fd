/**
 * Writes run folders with the project's storage writers, for tests that need runs the fixtures do
 * not have: many runs sharing metrics, and a run that grows while a page is open.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { STORAGE_MODULE } from './paths';

// The storage library is loaded from the kohakuboard build at run time (it is Node-only code).
type Storage = typeof import('../../../kohakuboard/src/storage/index');
let storage: Storage | null = null;
async function lib(): Promise<Storage> {
  storage ??= (await import(pathToFileURL(STORAGE_MODULE).href)) as Storage;
  return storage;
}

export interface RunSpec {
  project: string;
  runId: string;
  name?: string;
  config?: Record<string, unknown>;
  annotation?: string | null;
}

export class TestRun {
  private metricWriters = new Map<
    string,
    {
      close: () => void;
      append: (rows: { step: number[]; globalStep: number[]; timestamp: number[]; value: number[] }) => void;
    }
  >();
  private meta!: {
    db: { close: () => void };
    writer: { steps: (s: number[], g: number[], t: number[]) => void };
  };
  readonly dir: string;
  private createdAt = new Date();
  private lastStep = -1;

  private constructor(
    private readonly s: Storage,
    base: string,
    readonly spec: RunSpec,
  ) {
    this.dir = join(base, spec.project, spec.annotation ? `${spec.runId}_${spec.annotation}` : spec.runId);
  }

  static async create(base: string, spec: RunSpec): Promise<TestRun> {
    const run = new TestRun(await lib(), base, spec);
    run.init();
    return run;
  }

  private init(): void {
    const p = this.s.runPaths(this.dir);
    mkdirSync(p.metricsDir, { recursive: true });
    mkdirSync(p.logsDir, { recursive: true });
    const { db } = this.s.openForWriting(p.metadataDb, 'metadata');
    this.s.createMetadataTables(db);
    this.meta = { db, writer: new this.s.MetadataDbWriter(db) as never };
    this.writeMetadata('running');
  }

  writeMetadata(status: 'running' | 'finished'): void {
    const now = new Date().toISOString();
    this.s.writeMetadataJson(this.dir, {
      name: this.spec.name ?? this.spec.runId,
      config: this.spec.config ?? {},
      created_at: this.createdAt.toISOString(),
      project: this.spec.project,
      finished_at: status === 'finished' ? now : null,
      run_id: this.spec.runId,
      annotation: this.spec.annotation ?? null,
      status,
      version: '0.1.0',
      updated_at: now,
    });
  }

  /** Appends `count` steps of every metric, values from `f(metric, step)`. */
  append(
    metrics: string[],
    count: number,
    f: (metric: string, step: number) => number,
    msPerStep = 50,
  ): void {
    const steps: number[] = [];
    const globals: number[] = [];
    const times: number[] = [];
    const t0 = this.createdAt.getTime();
    for (let i = 0; i < count; i++) {
      const step = ++this.lastStep;
      steps.push(step);
      globals.push(Math.floor(step / 4));
      times.push(t0 + step * msPerStep);
    }
    for (const m of metrics) {
      let w = this.metricWriters.get(m);
      if (!w) {
        const file = join(this.s.runPaths(this.dir).metricsDir, `${this.s.logNameToFileStem(m)}.db`);
        const { db } = this.s.openForWriting(file, 'columnvault');
        const mw = new this.s.MetricFileWriter(db, file);
        w = { close: () => db.close(), append: (rows) => mw.append(rows) };
        this.metricWriters.set(m, w);
      }
      w.append({ step: steps, globalStep: globals, timestamp: times, value: steps.map((s) => f(m, s)) });
    }
    this.meta.writer.steps(steps, globals, times);
  }

  finish(): void {
    this.writeMetadata('finished');
    this.close();
  }

  close(): void {
    for (const w of this.metricWriters.values()) w.close();
    this.metricWriters.clear();
    this.meta.db.close();
  }
}
