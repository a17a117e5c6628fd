/**
 * Shared by the hardening and fuzz tests: a strict decoder of kbc frame streams (every frame whole, nothing
 * left over), the run routes of the read API, and ways to damage a copied run's files.
 */
import { readdirSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface KbcHeader {
  version: number;
  run_id?: string;
  metric?: string;
  count: number;
  byte_length: number;
  columns: Array<{ name: string; dtype: string; offset: number }>;
  meta?: unknown;
  error?: { error: string; code: string } | null;
}

/** Decodes a stream of kbc frames; throws on a cut or malformed frame. Returns headers and column bytes. */
export function decodeKbcStream(bytes: Uint8Array): Array<{ header: KbcHeader; steps: number[] }> {
  const out: Array<{ header: KbcHeader; steps: number[] }> = [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 0;
  while (at < bytes.length) {
    if (bytes.length - at < 8) throw new Error(`kbc: ${bytes.length - at} stray bytes at ${at}`);
    const magic = String.fromCharCode(...bytes.subarray(at, at + 4));
    if (magic !== 'KBC1') throw new Error(`kbc: bad magic at ${at}`);
    const h = view.getUint32(at + 4, true);
    if (at + 8 + h > bytes.length) throw new Error('kbc: header cut short');
    const header = JSON.parse(Buffer.from(bytes.subarray(at + 8, at + 8 + h)).toString('utf8')) as KbcHeader;
    if (header.byte_length % 8 !== 0 || at + header.byte_length > bytes.length) {
      throw new Error(`kbc: frame of ${header.byte_length} bytes cut short at ${at}`);
    }
    const steps: number[] = [];
    const col = header.columns.find((c) => c.name === 'steps');
    if (col) {
      for (let i = 0; i < header.count; i++) {
        steps.push(Number(view.getBigInt64(at + col.offset + i * 8, true)));
      }
    }
    for (const c of header.columns) {
      const size = c.dtype === 'u8' ? header.count : header.count * 8;
      if (c.offset % 8 !== 0 || c.offset + size > header.byte_length)
        throw new Error('kbc: column out of frame');
    }
    out.push({ header, steps });
    at += header.byte_length;
  }
  return out;
}

/** Every GET route under a run (`…` of the API), with names that exist in the runs these tests write. */
export const RUN_ROUTES = [
  '',
  '/status',
  '/summary',
  '/metadata',
  '/config',
  '/scalars',
  '/scalars?details=true',
  '/scalars/loss',
  '/scalars/loss?points=8&smooth=gaussian&smooth_value=9&format=kbc',
  '/scalars/step',
  '/media',
  '/media?details=true',
  '/media/img',
  '/media/by-id/1',
  '/tables',
  '/tables/t?resolve_media=true',
  '/histograms',
  '/histograms/h/w',
  '/histograms/h/w/surface',
  '/tensors',
  '/tensors/w/x?include_data=true&encoding=json&stats=true',
  '/kernel_density',
  '/kernel_density/k/d?points=16',
  '/logs',
  '/logs/output.log',
];

/** All files under a folder (relative paths), for picking files to damage. */
export function filesUnder(dir: string, prefix = ''): string[] {
  const out: string[] = [];
  for (const e of readdirSync(join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...filesUnder(dir, rel));
    else out.push(rel);
  }
  return out;
}

export type Damage = 'empty' | 'garbage' | 'half' | 'zeroed';

/** Damages a file in place: emptied, replaced by bytes that are not SQLite, cut in half, or zeroed. */
export function damage(file: string, how: Damage): void {
  const size = statSync(file).size;
  if (how === 'empty') writeFileSync(file, '');
  else if (how === 'garbage') writeFileSync(file, Buffer.alloc(Math.max(4096, size), 0x41));
  else if (how === 'half') truncateSync(file, Math.floor(size / 2));
  else writeFileSync(file, Buffer.alloc(size, 0));
}

import { type TsRunSpec, writeTsRun } from './ts-runs.js';

/** A run with something of every kind, under the names RUN_ROUTES uses. */
export function writeRichRun(base: string, project: string, runId: string, marker = 1): string {
  const steps = Array.from({ length: 200 }, (_, i) => i);
  const spec: TsRunSpec = {
    project,
    runId,
    name: `Run ${runId} ${marker}`,
    config: { marker },
    metrics: { loss: { steps, values: steps.map((s) => marker + Math.sin(s / 10)) } },
    media: [
      {
        name: 'img',
        step: 3,
        bytes: Buffer.from(`image-bytes-${marker}`),
        format: 'png',
        width: 1,
        height: 1,
      },
    ],
    tables: [
      {
        name: 't',
        step: 4,
        columns: ['a', 'img'],
        columnTypes: ['number', 'media'],
        rowsText: `[[${marker}, "<media id=1>"], [NaN, "x"]]`,
      },
    ],
    histograms: [
      { name: 'h/w', step: 5, counts: [marker, 2, 3, 4, 5, 6, 7, 8], min: -1, max: 1 },
      { name: 'h/w', step: 6, counts: [8, 7, 6, 5, 4, 3, 2, 1], min: -1, max: 1 },
    ],
    tensors: [
      {
        name: 'w/x',
        step: 7,
        descr: '<f4',
        shape: [2],
        data: new Uint8Array(Float32Array.of(marker, 2).buffer),
      },
    ],
    kde: [{ name: 'k/d', step: 8, grid: [0, 1, 2, 3], density: [0.1, 0.4, 0.4, 0.1], sampleCount: marker }],
    logs: { 'output.log': `line one ${marker}\nline two\n` },
  };
  return writeTsRun(base, spec);
}
