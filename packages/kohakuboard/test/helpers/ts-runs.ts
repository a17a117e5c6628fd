/**
 * Run folders made with the storage writers directly, in this thread. Tests that compare the API with what
 * was logged use runs written by the real client instead (client-runs.mjs, client-live.mjs,
 * client-small.mjs); this is for what the client never produces (a folder whose metadata.json comes later,
 * two folders with one run_id, a running run without a process behind it) and for unit tests that need many
 * small runs quickly.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  createMetadataTables,
  encodeKdeNpz,
  encodeNpy,
  formatPythonIso,
  HistogramFileWriter,
  KVaultWriter,
  logNameToFileStem,
  MetadataDbWriter,
  MetricFileWriter,
  mediaHash,
  namespaceOf,
  openForWriting,
  tensorLocation,
  writeMetadataJson,
} from '../../src/storage/index.js';

export interface MetricInput {
  steps: number[];
  values: number[];
  globalSteps?: number[];
  timestamps?: number[];
}

export interface TsRunSpec {
  project: string;
  runId: string;
  annotation?: string | null;
  name?: string;
  config?: unknown;
  status?: 'running' | 'finished' | 'interrupted' | 'crashed';
  createdAtMs?: number;
  /** Step-index rows: step → [global_step, timestamp ms]; default: one row per metric step. */
  steps?: Array<[step: number, globalStep: number, timestampMs: number]>;
  metrics?: Record<string, MetricInput>;
  media?: Array<{
    name: string;
    step: number;
    bytes: Uint8Array;
    format: string;
    type?: string;
    caption?: string | null;
    width?: number | null;
    height?: number | null;
  }>;
  tables?: Array<{ name: string; step: number; columns: string[]; columnTypes: string[]; rowsText: string }>;
  histograms?: Array<{
    name: string;
    step: number;
    counts: number[];
    min: number;
    max: number;
    precision?: 'u8' | 'i32';
  }>;
  tensors?: Array<{ name: string; step: number; descr: string; shape: number[]; data: Uint8Array }>;
  kde?: Array<{ name: string; step: number; grid: number[]; density: number[]; sampleCount?: number }>;
  logs?: Record<string, string>;
}

export const T0 = Date.UTC(2025, 0, 29, 7, 0, 0);

export function writeTsRun(base: string, spec: TsRunSpec): string {
  const folder = spec.annotation ? `${spec.runId}_${spec.annotation}` : spec.runId;
  const dir = join(base, spec.project, folder);
  mkdirSync(join(dir, 'data', 'metrics'), { recursive: true });
  mkdirSync(join(dir, 'media'), { recursive: true });
  mkdirSync(join(dir, 'logs'), { recursive: true });
  const created = spec.createdAtMs ?? T0;
  const status = spec.status ?? 'finished';
  writeMetadataJson(dir, {
    name: spec.name ?? `Run ${spec.runId}`,
    config: spec.config ?? {},
    created_at: formatPythonIso(created),
    project: spec.project,
    finished_at: status === 'running' ? null : formatPythonIso(created + 60_000),
    run_id: spec.runId,
    annotation: spec.annotation ?? null,
    status,
    version: '0.1.0',
    updated_at: formatPythonIso(status === 'running' ? Date.now() : created + 60_000),
  });

  const blobs = spec.media?.length ? openForWriting(join(dir, 'media', 'blobs.db'), 'kvault') : null;
  const blobWriter = blobs ? new KVaultWriter(blobs.db, 'blobs.db') : null;
  const meta = openForWriting(join(dir, 'data', 'metadata.db'), 'metadata');
  createMetadataTables(meta.db);
  const w = new MetadataDbWriter(meta.db);
  const stepRows = new Map<number, [number, number]>();
  for (const [name, m] of Object.entries(spec.metrics ?? {})) {
    const file = join(dir, 'data', 'metrics', `${logNameToFileStem(name)}.db`);
    const h = openForWriting(file, 'columnvault');
    const gs = m.globalSteps ?? m.steps;
    const ts = m.timestamps ?? m.steps.map((s) => T0 + s * 1000);
    new MetricFileWriter(h.db, file).append({
      step: m.steps,
      globalStep: gs,
      timestamp: ts,
      value: m.values,
    });
    h.db.close();
    m.steps.forEach((s, i) => {
      stepRows.set(s, [gs[i], ts[i]]);
    });
  }
  for (const [s, g, t] of spec.steps ?? []) stepRows.set(s, [g, t]);
  meta.db.transaction(() => {
    for (const [s, [g, t]] of [...stepRows].sort((a, b) => a[0] - b[0])) w.step(s, g, t);
    for (const m of spec.media ?? []) {
      const hash = mediaHash(m.bytes);
      blobWriter!.putIfAbsent(`${hash}.${m.format}`, m.bytes);
      w.media({
        media_hash: hash,
        format: m.format,
        step: m.step,
        global_step: m.step,
        name: m.name,
        caption: m.caption ?? null,
        type: m.type ?? 'image',
        size_bytes: m.bytes.length,
        width: m.width ?? null,
        height: m.height ?? null,
      });
    }
    for (const t of spec.tables ?? []) {
      w.table({
        step: t.step,
        global_step: t.step,
        name: t.name,
        columns: JSON.stringify(t.columns),
        column_types: JSON.stringify(t.columnTypes),
        rows: t.rowsText,
      });
    }
  })();
  const tensorFiles = new Map<string, KVaultWriter>();
  const kv = (kvFile: string) => {
    let writer = tensorFiles.get(kvFile);
    if (!writer) {
      mkdirSync(join(dir, 'data', 'tensors'), { recursive: true });
      const h = openForWriting(join(dir, 'data', 'tensors', `${kvFile}.db`), 'kvault');
      writer = new KVaultWriter(h.db, kvFile);
      tensorFiles.set(kvFile, writer);
    }
    return writer;
  };
  for (const t of spec.tensors ?? []) {
    const { kvFile, key } = tensorLocation(t.name, t.step);
    const npy = encodeNpy(t.descr, t.shape, t.data);
    kv(kvFile).put(key, npy);
    w.tensor({
      step: t.step,
      global_step: t.step,
      name: t.name,
      namespace: namespaceOf(t.name),
      kv_file: kvFile,
      kv_key: key,
      dtype: 'float32',
      shape: JSON.stringify(t.shape),
      size_bytes: npy.length,
      metadata: '{}',
    });
  }
  for (const k of spec.kde ?? []) {
    const { kvFile, key } = tensorLocation(k.name, k.step);
    kv(kvFile).put(key, encodeKdeNpz(Float32Array.from(k.grid), Float32Array.from(k.density)));
    w.kernelDensity({
      step: k.step,
      global_step: k.step,
      name: k.name,
      kv_file: kvFile,
      kv_key: key,
      kernel: 'gaussian',
      bandwidth: '0.25',
      sample_count: k.sampleCount ?? 100,
      range_min: k.grid[0],
      range_max: k.grid[k.grid.length - 1],
      num_points: k.grid.length,
      metadata: '{}',
    });
  }
  for (const writer of tensorFiles.values()) writer.db.close();
  const byFile = new Map<string, NonNullable<TsRunSpec['histograms']>>();
  for (const h of spec.histograms ?? []) {
    const file = `${namespaceOf(h.name)}_${h.counts.length}_${h.precision ?? 'i32'}.db`;
    byFile.set(file, [...(byFile.get(file) ?? []), h]);
  }
  for (const [file, rows] of byFile) {
    mkdirSync(join(dir, 'data', 'histograms'), { recursive: true });
    const path = join(dir, 'data', 'histograms', file);
    const h = openForWriting(path, 'columnvault');
    new HistogramFileWriter(h.db, path, rows[0].counts.length, rows[0].precision ?? 'i32').append(
      rows.map((r) => ({
        step: r.step,
        globalStep: r.step,
        name: r.name,
        counts: r.counts,
        min: r.min,
        max: r.max,
      })),
    );
    h.db.close();
  }
  meta.db.close();
  blobs?.db.close();
  for (const [name, text] of Object.entries(spec.logs ?? {})) appendFileSync(join(dir, 'logs', name), text);
  return dir;
}
