/**
 * Importing a log directory again: nothing is added when nothing changed; events appended to an event file,
 * a new event file in a run and a new run are imported, continuing the run's step counter; an import that
 * stopped after writing data but before saving its state is completed without duplicates. Also: hparams,
 * text and tag names that the name rules do not accept, written as TensorBoard's writers write them.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dumpRun } from '../src/reader/run-dump.js';
import { listRuns, readMetadataJson } from '../src/storage/index.js';
import type { ImportWarning } from '../src/tensorboard/import-report.js';
import { IMPORT_STATE_FILE } from '../src/tensorboard/import-state.js';
import { importLogDir, type LogDirImportResult } from '../src/tensorboard/logdir-import.js';
import {
  appendEvents,
  type DumpRun,
  fileVersionEvent,
  hparamsEvent,
  imageEvent,
  scalarEvent,
  sha256,
  snapshotTree,
  solidPng,
  tensorScalarEvent,
  textEvent,
} from './helpers/tensorboard.js';
import { tempDir } from './helpers/viewer.js';

let tmp: ReturnType<typeof tempDir>;
let logDir: string;
let to: string;
const warnings: ImportWarning[] = [];

beforeAll(() => {
  tmp = tempDir('kobo-tb-incremental-');
  logDir = join(tmp.dir, 'my logs');
  to = join(tmp.dir, 'board');
  mkdirSync(join(logDir, 'run_a'), { recursive: true });
});
afterAll(() => tmp?.cleanup());

const fileA1 = () => join(logDir, 'run_a', 'events.out.tfevents.1000.host');
const fileA2 = () => join(logDir, 'run_a', 'events.out.tfevents.2000.host');
const scalars = (tag: string, from: number, to: number) =>
  Array.from({ length: to - from }, (_, i) => scalarEvent(tag, from + i, Math.fround((from + i) * 0.1)));

async function importAll(): Promise<{ result: LogDirImportResult; runs: Map<string, DumpRun> }> {
  const result = await importLogDir(logDir, { to, warn: (w) => warnings.push(w) });
  const runs = new Map<string, DumpRun>();
  for (const loc of listRuns(to)) {
    runs.set(
      readMetadataJson(loc.dir).name as string,
      dumpRun(loc.dir, { full: true }) as unknown as DumpRun,
    );
  }
  return { result, runs };
}

const runDirOf = (name: string) => listRuns(to).find((l) => readMetadataJson(l.dir).name === name)!.dir;

describe('importing a log directory again', () => {
  const red = solidPng(4, 3, [255, 0, 0]);
  const blue = solidPng(5, 2, [0, 0, 255]);
  let first: Awaited<ReturnType<typeof importAll>>;

  beforeAll(async () => {
    appendEvents(
      fileA1(),
      fileVersionEvent(1000),
      hparamsEvent({ lr: 0.003, optimizer: 'adam', warmup: true }),
      ...scalars('loss', 0, 50),
      imageEvent('samples', 50, red),
      ...scalars('loss', 50, 100),
      textEvent('notes', 100, 'first note'),
    );
    first = await importAll();
  });

  it('imports the project under the log directory name, with hparams, images and text', () => {
    expect(first.result.project).toBe('my-logs');
    const a = first.runs.get('run_a')!;
    expect(a.metadata.project).toBe('my-logs');
    expect(a.metadata.config).toEqual({ lr: 0.003, optimizer: 'adam', warmup: true });
    expect(a.metrics.loss.global_step).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(a.metrics.loss.value).toEqual(Array.from({ length: 100 }, (_, i) => Math.fround(i * 0.1)));
    expect(a.media.map((m) => [m.name, m.global_step, m.blob_sha256, m.width, m.height])).toEqual([
      ['samples', 50, sha256(red), 4, 3],
    ]);
    expect(a.tables.map((t) => [t.name, t.global_step, t.rows])).toEqual([['notes', 100, [['first note']]]]);
    expect(warnings).toEqual([]);
  });

  it('adds nothing the second time and leaves the run folder as it was', async () => {
    const before = snapshotTree(to);
    const again = await importAll();
    expect(again.result.events).toBe(0);
    expect(again.runs).toEqual(first.runs);
    const changed = [...snapshotTree(to)].filter(
      ([k, v]) => before.get(k) !== v && !/-(wal|shm)$|\/$/.test(k),
    );
    expect(changed).toEqual([]);
  });

  it('imports events appended to a file, a new event file and a new run, continuing the step counter', async () => {
    appendEvents(fileA1(), ...scalars('loss', 100, 150));
    // A writer restarted at an earlier step: its points are kept beside the first ones, as TensorBoard does.
    appendEvents(
      fileA2(),
      fileVersionEvent(2000),
      ...scalars('loss', 140, 160),
      imageEvent('samples', 160, blue),
      tensorScalarEvent('tf2/acc', 160, 0.75),
    );
    mkdirSync(join(logDir, 'run_b'));
    appendEvents(join(logDir, 'run_b', 'events.out.tfevents.3000.host'), ...scalars('loss', 0, 10));

    const { result, runs } = await importAll();
    expect(result.runs.map((r) => [r.run, r.rows.scalars, r.rows.images])).toEqual([
      ['run_a', 71, 1],
      ['run_b', 10, 0],
    ]);
    const a = runs.get('run_a')!;
    const expectedSteps = [
      ...Array.from({ length: 150 }, (_, i) => i),
      ...Array.from({ length: 20 }, (_, i) => 140 + i),
    ];
    expect(a.metrics.loss.global_step).toEqual(expectedSteps);
    expect(a.metrics['tf2/acc'].value).toEqual([0.75]);
    expect(a.media.map((m) => [m.global_step, m.blob_sha256])).toEqual([
      [50, sha256(red)],
      [160, sha256(blue)],
    ]);
    // One step per event with data, in event order (hparams only set the config): 150 + 1 image + 1 text + 20
    // + 1 image + 1 tensor.
    const steps = a.steps!;
    expect(steps.count).toBe(174);
    expect(steps.step).toEqual(Array.from({ length: 174 }, (_, i) => i));
    const loss = a.metrics.loss;
    for (let i = 1; i < loss.count; i++) expect(loss.step[i]).toBeGreaterThan(loss.step[i - 1]);
    expect(runs.get('run_b')!.metrics.loss.count).toBe(10);
    expect(warnings).toEqual([]);
  });

  it('completes an import that stopped while writing, without duplicates, though the files grew since', async () => {
    const statePath = join(runDirOf('run_a'), IMPORT_STATE_FILE);
    const before = JSON.parse(readFileSync(statePath, 'utf8'));
    appendEvents(fileA1(), ...scalars('loss', 150, 170), imageEvent('samples', 170, red));
    appendEvents(fileA2(), textEvent('notes', 171, 'second note'), ...scalars('acc', 0, 5));
    await importAll();
    const after = JSON.parse(readFileSync(statePath, 'utf8'));
    expect(after.pending).toBeNull();
    // The state as that import left it had it stopped after writing its rows: the batch's ends saved
    // beside the state before it (a one-batch import writes exactly this before its rows).
    writeFileSync(
      statePath,
      JSON.stringify({ ...before, pending: { files: after.files, next_step: after.next_step } }),
    );
    // Training went on meanwhile, in both files.
    appendEvents(fileA1(), ...scalars('loss', 170, 180));
    appendEvents(fileA2(), ...scalars('acc', 5, 8));
    const redo = await importAll();

    // The same rows as one import of everything from scratch: no row twice, none missing.
    const fresh = join(tmp.dir, 'fresh');
    await importLogDir(logDir, { to: fresh, warn: (w) => warnings.push(w) });
    const reference = dumpRun(listRuns(fresh).find((l) => readMetadataJson(l.dir).name === 'run_a')!.dir, {
      full: true,
    }) as unknown as DumpRun;
    const a = redo.runs.get('run_a')!;
    const rows = (d: DumpRun) => ({
      metrics: Object.fromEntries(
        Object.entries(d.metrics).map(([name, m]) => [
          name,
          m.global_step
            .map((g, i): [number, number, unknown] => [g, m.timestamp[i], m.value[i]])
            .sort((x, y) => x[0] - y[0] || x[1] - y[1]),
        ]),
      ),
      media: d.media.map((m) => [m.global_step, m.blob_sha256]).sort(),
      tables: d.tables.map((t) => [t.global_step, t.rows]).sort(),
      steps: d.steps!.count,
    });
    expect(rows(a)).toEqual(rows(reference));
    expect(a.metrics.loss.count).toBe(200);
    expect(a.metrics.acc.global_step).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(new Set(a.steps!.step).size).toBe(a.steps!.count);
    expect(JSON.parse(readFileSync(statePath, 'utf8')).pending).toBeNull();
    expect(warnings).toEqual([]);
  });
});

describe('tags the name rules do not accept', () => {
  it('are imported under mapped names, each distinct and kept in later imports', async () => {
    mkdirSync(join(logDir, 'names'));
    const file = join(logDir, 'names', 'events.out.tfevents.1.host');
    const tags = [
      '/lead/slash/',
      'a//b',
      'dots/../up',
      'step',
      'x__y',
      'back\\slash',
      'ctl\u0001',
      'a/b',
      '',
    ];
    appendEvents(file, ...tags.map((tag, i) => scalarEvent(tag, i, i)));
    let { runs } = await importAll();
    const expected = {
      'lead/slash': [0],
      'a/b': [1],
      'dots/_../up': [2],
      step_: [3],
      x_y: [4],
      back_slash: [5],
      ctl_: [6],
      'a/b~2': [7],
      untagged: [8],
    };
    const valuesByName = () =>
      Object.fromEntries(Object.entries(runs.get('names')!.metrics).map(([k, m]) => [k, m.value]));
    expect(valuesByName()).toEqual(expected);
    appendEvents(file, scalarEvent('a/b', 9, 9), scalarEvent('a//b', 10, 10));
    ({ runs } = await importAll());
    expect(valuesByName()).toEqual({ ...expected, 'a/b': [1, 10], 'a/b~2': [7, 9] });
  });
});
