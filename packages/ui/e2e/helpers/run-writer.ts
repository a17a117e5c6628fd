/**
 * Writes run folders with the project's storage writers, for tests that need runs the fixtures do
 * not have: many runs sharing metrics, and a run that grows while a page is open.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
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
    writer: {
      steps: (s: number[], g: number[], t: number[]) => void;
      table: (row: import('../../../kohakuboard/src/storage/index').TableRow) => void;
      tensor: (row: import('../../../kohakuboard/src/storage/index').TensorRow) => void;
    };
  };
  private tensorFiles = new Map<
    string,
    { put: (key: string, value: Uint8Array) => void; close: () => void }
  >();
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
    globalOf: (step: number) => number = (step) => Math.floor(step / 4),
  ): void {
    const steps: number[] = [];
    const globals: number[] = [];
    const times: number[] = [];
    const t0 = this.createdAt.getTime();
    for (let i = 0; i < count; i++) {
      const step = ++this.lastStep;
      steps.push(step);
      globals.push(globalOf(step));
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

  /** One table entry at `step` (docs/api.md#tables). */
  table(name: string, step: number, columns: string[], types: string[], rows: unknown[][]): void {
    this.meta.writer.table({
      step,
      global_step: step,
      name,
      columns: JSON.stringify(columns),
      column_types: JSON.stringify(types),
      rows: JSON.stringify(rows),
    });
  }

  /** One float32 tensor entry at `step`, stored as .npy in the namespace's KVault (docs/format.md). */
  tensor(name: string, step: number, shape: number[], values: Float32Array): void {
    const { kvFile, key } = this.s.tensorLocation(name, step);
    let file = this.tensorFiles.get(kvFile);
    if (!file) {
      const dir = this.s.runPaths(this.dir).tensorsDir;
      mkdirSync(dir, { recursive: true });
      const path = join(dir, `${kvFile}.db`);
      const { db } = this.s.openForWriting(path, 'kvault');
      const kv = new this.s.KVaultWriter(db, path);
      file = { put: (k, v) => kv.put(k, v), close: () => db.close() };
      this.tensorFiles.set(kvFile, file);
    }
    const npy = this.s.encodeNpy(
      '<f4',
      shape,
      new Uint8Array(values.buffer, values.byteOffset, values.byteLength),
    );
    file.put(key, npy);
    this.meta.writer.tensor({
      step,
      global_step: step,
      name,
      namespace: this.s.namespaceOf(name),
      kv_file: kvFile,
      kv_key: key,
      dtype: 'float32',
      shape: JSON.stringify(shape),
      size_bytes: npy.length,
      metadata: null,
    });
  }

  /** Appends text to a file of the run's `logs/` folder. */
  log(file: string, text: string): void {
    appendFileSync(join(this.s.runPaths(this.dir).logsDir, file), text);
  }

  finish(): void {
    this.writeMetadata('finished');
    this.close();
  }

  close(): void {
    for (const w of this.metricWriters.values()) w.close();
    this.metricWriters.clear();
    for (const f of this.tensorFiles.values()) f.close();
    this.tensorFiles.clear();
    this.meta.db.close();
  }
}
