/**
 * The writer's commit (docs/client.md#commits, docs/client.md#writer-failures) and its LRU of open files,
 * in-process on real SQLite files: one transaction per file in the order blobs → series → metadata.db; a
 * failing file holds back the later stages, is retried and finally dropped together with the rows that
 * reference it; evicted files reopen and continue where they were.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  createMetadataTables,
  MetadataDbWriter,
  metricRowCount,
  openForWriting,
  openReadOnly,
  readMediaRows,
  readMetricSeries,
  readSteps,
  readTableRows,
  runPaths,
} from '../src/storage/index.js';
import { Committer } from '../src/writer/commit.js';
import { LogFile } from '../src/writer/log-file.js';
import { OpenFiles } from '../src/writer/open-files.js';
import { MetricRows, PendingData, ScratchColumns, StepRows } from '../src/writer/pending.js';
import { columnVaultViolations } from './helpers/invariants.js';

const root = mkdtempSync(join(tmpdir(), 'kobo-commit-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let runs = 0;

function newRun() {
  const runDir = join(root, `run${runs++}`);
  const p = runPaths(runDir);
  for (const d of [p.metricsDir, p.histogramsDir, p.tensorsDir, p.mediaDir, p.logsDir])
    mkdirSync(d, { recursive: true });
  const { db } = openForWriting(p.metadataDb, 'metadata');
  createMetadataTables(db);
  const logs = {
    writer: new LogFile('WRITER', null),
    storage: new LogFile('STORAGE', null),
    media: new LogFile('MEDIA', null),
  };
  return { runDir, p, db, logs };
}

/** One logging message of scalars at `step` (global step = step, timestamp = T0 + step). */
function addMessage(pending: PendingData, step: number, values: Array<[MetricRows, number]>) {
  const row = pending.steps.add(step, step, 1_700_000_000_000 + step);
  for (const [rows, value] of values) {
    if (rows.n === 0) pending.touched.add(rows);
    rows.push(row, value);
  }
  pending.noteMessage(1_700_000_000_000 + step, 24 + 12 * values.length);
}

function addScalar(pending: PendingData, rows: MetricRows, step: number, value: number) {
  addMessage(pending, step, [[rows, value]]);
}

function count(file: string): number {
  const h = openReadOnly(file);
  try {
    return metricRowCount(h.db, file);
  } finally {
    h.close();
  }
}

describe('commit', () => {
  it('commits every file, media ids before the tables that use them', async () => {
    const { runDir, p, db, logs } = newRun();
    const files = new OpenFiles(runDir, false, logs.storage);
    const committer = new Committer(files, db, new MetadataDbWriter(db), logs);
    const pending = new PendingData();
    const loss = new MetricRows('train__loss');
    for (let s = 0; s < 5; s++) addScalar(pending, loss, s, s / 2);
    const blob = Buffer.from('not really a png');
    pending.mediaBlobs.set('abc.png', { bytes: blob, kind: 'image' });
    const media = {
      op: 'media' as const,
      blobKey: 'abc.png',
      row: {
        media_hash: 'abc',
        format: 'png',
        step: 4,
        global_step: 4,
        name: 'img',
        caption: '',
        type: 'image',
        size_bytes: blob.length,
        width: null,
        height: null,
      },
    };
    pending.ops.push(media, {
      op: 'table',
      step: 4,
      globalStep: 4,
      name: 't',
      columns: '["image"]',
      columnTypes: '["media"]',
      rows: [[{ media: 0 }]],
      media: [media],
    });
    expect(committer.commit(pending, Date.now())).toBe(true);
    expect(pending.isEmpty()).toBe(true);
    await files.closeAll();
    expect(count(join(p.metricsDir, 'train__loss.db'))).toBe(5);
    const h = openReadOnly(p.metadataDb);
    expect(readSteps(h.db).step.length).toBe(5);
    expect(readMediaRows(h.db).map((m) => m.id)).toEqual([1]);
    expect(readTableRows(h.db)[0].rows).toBe('[["<media id=1>"]]');
    h.close();
    db.close();
  });

  it("takes each row's step, global step and timestamp from its own message", async () => {
    const { runDir, p, db, logs } = newRun();
    const files = new OpenFiles(runDir, false, logs.storage);
    const committer = new Committer(files, db, new MetadataDbWriter(db), logs);
    const pending = new PendingData();
    const every = new MetricRows('every');
    const even = new MetricRows('even');
    // Two commits, so that the second batch's rows point into a fresh steps table.
    for (const batch of [0, 1]) {
      for (let s = batch * 10; s < batch * 10 + 10; s++) {
        addMessage(
          pending,
          s,
          s % 2 === 0
            ? [
                [every, -s],
                [even, s * 10],
              ]
            : [[every, -s]],
        );
      }
      expect(committer.commit(pending, Date.now())).toBe(true);
      expect(pending.isEmpty()).toBe(true);
    }
    await files.closeAll();
    const series = (name: string) => {
      const file = join(p.metricsDir, `${name}.db`);
      const h = openReadOnly(file);
      try {
        return readMetricSeries(h.db, file);
      } finally {
        h.close();
      }
    };
    const steps = Array.from({ length: 20 }, (_, i) => i);
    const evens = steps.filter((s) => s % 2 === 0);
    const e = series('every');
    expect(Array.from(e.step)).toEqual(steps);
    expect(Array.from(e.value)).toEqual(steps.map((s) => -s));
    const v = series('even');
    expect(Array.from(v.step)).toEqual(evens);
    expect(Array.from(v.globalStep)).toEqual(evens);
    expect(Array.from(v.timestamp)).toEqual(evens.map((s) => 1_700_000_000_000 + s));
    expect(Array.from(v.value)).toEqual(evens.map((s) => s * 10));
    const h = openReadOnly(p.metadataDb);
    expect(Array.from(readSteps(h.db).step)).toEqual(steps);
    h.close();
    db.close();
  });

  it('a failing file holds back metadata.db, is retried after 1 s and 2 s, then dropped', async () => {
    const { runDir, p, db, logs } = newRun();
    const real = new OpenFiles(runDir, false, logs.storage);
    let failures = 0;
    const files = new Proxy(real, {
      get(target, prop) {
        if (prop === 'metric') {
          return (stem: string) => {
            if (stem === 'broken') {
              failures++;
              throw new Error('disk full (simulated)');
            }
            return target.metric(stem);
          };
        }
        const v = Reflect.get(target, prop);
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });
    const committer = new Committer(files, db, new MetadataDbWriter(db), logs);
    const pending = new PendingData();
    const good = new MetricRows('good');
    const broken = new MetricRows('broken');
    addScalar(pending, good, 0, 1);
    addScalar(pending, broken, 0, 2);
    const t0 = 1_000_000;
    expect(committer.commit(pending, t0)).toBe(false);
    expect(failures).toBe(1);
    expect(committer.retryAt()).toBe(t0 + 1000);
    // metadata.db waits for the failed stage: no steps yet.
    const steps = () => {
      const h = openReadOnly(p.metadataDb);
      try {
        return readSteps(h.db).step.length;
      } finally {
        h.close();
      }
    };
    expect(steps()).toBe(0);
    expect(committer.commit(pending, t0 + 500)).toBe(false); // too early: not retried
    expect(failures).toBe(1);
    expect(committer.commit(pending, t0 + 1000)).toBe(false);
    expect(failures).toBe(2);
    expect(committer.retryAt()).toBe(t0 + 3000);
    expect(committer.commit(pending, t0 + 3000)).toBe(true); // third failure: dropped, the rest goes on
    expect(failures).toBe(3);
    expect(committer.droppedRows).toBe(1);
    expect(steps()).toBe(1);
    expect(logs.writer.memory.join('')).toMatch(
      /data\/metrics\/broken\.db: transaction failed 3 times \(disk full \(simulated\)\); dropped 1 pending rows/,
    );
    await real.closeAll();
    expect(count(join(p.metricsDir, 'good.db'))).toBe(1);
    db.close();
  });

  it('counts the retry delay from the end of a failed attempt (a busy file waits inside SQLite)', () => {
    const { runDir, db, logs } = newRun();
    const real = new OpenFiles(runDir, false, logs.storage);
    const SLOW_MS = 50;
    let attempts = 0;
    const files = new Proxy(real, {
      get(target, prop) {
        if (prop === 'metric') {
          return () => {
            attempts++;
            const until = performance.now() + SLOW_MS;
            while (performance.now() < until) {
              /* a transaction that waits for a lock, then fails */
            }
            throw new Error('database is locked (simulated)');
          };
        }
        const v = Reflect.get(target, prop);
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });
    const committer = new Committer(files, db, new MetadataDbWriter(db), logs);
    const pending = new PendingData();
    addScalar(pending, new MetricRows('busy'), 0, 1);
    const t0 = 1_000_000;
    expect(committer.commit(pending, t0)).toBe(false);
    expect(committer.retryAt()).toBeGreaterThanOrEqual(t0 + SLOW_MS + 1000);
    expect(committer.commit(pending, t0 + 1000)).toBe(false); // 1 s after the start is too early
    expect(attempts).toBe(1);
    db.close();
  });

  it('dropping a blob file drops the media rows that reference its blobs, and tables say <media error>', async () => {
    const { runDir, p, db, logs } = newRun();
    const real = new OpenFiles(runDir, false, logs.storage);
    const files = new Proxy(real, {
      get(target, prop) {
        if (prop === 'mediaBlobs') {
          return () => {
            throw new Error('I/O error (simulated)');
          };
        }
        const v = Reflect.get(target, prop);
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });
    const committer = new Committer(files, db, new MetadataDbWriter(db), logs);
    const pending = new PendingData();
    pending.mediaBlobs.set('k.png', { bytes: Buffer.from('x'), kind: 'image' });
    const media = {
      op: 'media' as const,
      blobKey: 'k.png',
      row: {
        media_hash: 'k',
        format: 'png',
        step: 0,
        global_step: 0,
        name: 'm',
        caption: '',
        type: 'image',
        size_bytes: 1,
        width: null,
        height: null,
      },
    };
    pending.ops.push(media, {
      op: 'table',
      step: 0,
      globalStep: 0,
      name: 't',
      columns: '["c"]',
      columnTypes: '["media"]',
      rows: [[{ media: 0 }]],
      media: [media],
    });
    pending.steps.add(0, 0, 1);
    expect(committer.commit(pending, 0)).toBe(false);
    expect(committer.commit(pending, 1000)).toBe(false);
    expect(committer.commit(pending, 3000)).toBe(true);
    expect(committer.droppedRows).toBe(2); // the blob and its media row
    const h = openReadOnly(p.metadataDb);
    expect(readMediaRows(h.db)).toEqual([]);
    expect(readTableRows(h.db)[0].rows).toBe('[["<media error>"]]');
    h.close();
    await real.closeAll();
    db.close();
  });
});

describe('open files', () => {
  it('closes the least recently used file when full and continues it after reopening', async () => {
    const { runDir, p, logs } = newRun();
    const files = new OpenFiles(runDir, false, logs.storage, 2);
    const scratch = new ScratchColumns();
    for (let round = 0; round < 3; round++) {
      for (const name of ['a', 'b', 'c', 'd']) {
        const steps = new StepRows();
        const rows = new MetricRows(name);
        for (let i = 0; i < 3000; i++) rows.push(steps.add(round * 3000 + i, 0, 0), round * 3000 + i);
        files.metric(name).append(rows.columns(steps, scratch));
      }
    }
    await files.closeAll();
    for (const name of ['a', 'b', 'c', 'd']) {
      const file = join(p.metricsDir, `${name}.db`);
      const h = openReadOnly(file);
      const s = readMetricSeries(h.db, file);
      h.close();
      expect(Array.from(s.value)).toEqual(Array.from({ length: 9000 }, (_, i) => i));
      expect(columnVaultViolations(file, { tsCreated: true })).toEqual([]);
    }
    expect(logs.storage.memory.join('').match(/Opened /g)?.length).toBeGreaterThan(0);
  });

  it('creates a new metric file whole, with its first rows, and no WAL of its own', async () => {
    const { runDir, p, logs } = newRun();
    const files = new OpenFiles(runDir, false, logs.storage, 4);
    const steps = new StepRows();
    const rows = new MetricRows('fresh');
    for (let i = 0; i < 700; i++) rows.push(steps.add(i, i, 1_700_000_000_000 + i), i * 0.5);
    files.beginRound();
    files.metric('fresh').append(rows.columns(steps, new ScratchColumns()));
    const file = join(p.metricsDir, 'fresh.db');
    expect(existsSync(`${file}-wal`)).toBe(false);
    expect(files.size).toBe(0); // written and done: it holds no connection
    expect(readdirSync(p.metricsDir)).toEqual(['fresh.db']); // no temporary file left behind
    expect(columnVaultViolations(file, { tsCreated: true })).toEqual([]);
    const h = openReadOnly(file);
    const s = readMetricSeries(h.db, file);
    expect(h.db.pragma('journal_mode', { simple: true })).toBe('wal');
    h.close();
    expect(Array.from(s.step)).toEqual(Array.from({ length: 700 }, (_, i) => i));
    expect(Array.from(s.value)).toEqual(Array.from({ length: 700 }, (_, i) => i * 0.5));
    // It continues like any other file.
    files.beginRound();
    const more = new MetricRows('fresh');
    more.push(steps.add(700, 700, 0), 350);
    files.metric('fresh').append(more.columns(steps, new ScratchColumns()));
    await files.closeAll();
    expect(count(file)).toBe(701);
    expect(columnVaultViolations(file, { tsCreated: true })).toEqual([]);
  });

  it('writing more files per round than fit keeps the first ones open from round to round', async () => {
    const { runDir, p, logs } = newRun();
    const capacity = 4;
    const names = Array.from({ length: 10 }, (_, i) => `m${i}`);
    const files = new OpenFiles(runDir, false, logs.storage, capacity);
    const scratch = new ScratchColumns();
    const opened = () => logs.storage.memory.join('').match(/Opened /g)?.length ?? 0;
    const opensPerRound: number[] = [];
    for (let round = 0; round < 4; round++) {
      const before = opened();
      files.beginRound();
      for (const name of names) {
        const steps = new StepRows();
        const rows = new MetricRows(name);
        rows.push(steps.add(round, round, 0), round);
        files.metric(name).append(rows.columns(steps, scratch));
      }
      opensPerRound.push(opened() - before);
    }
    // Round 0 creates the files without opening them; later rounds reopen only what did not stay open.
    expect(opensPerRound).toEqual([0, 10, names.length - capacity + 1, names.length - capacity + 1]);
    await files.closeAll();
    for (const name of names) {
      const file = join(p.metricsDir, `${name}.db`);
      const h = openReadOnly(file);
      expect(Array.from(readMetricSeries(h.db, file).value)).toEqual([0, 1, 2, 3]);
      h.close();
      expect(columnVaultViolations(file, { tsCreated: true })).toEqual([]);
    }
  });
});
