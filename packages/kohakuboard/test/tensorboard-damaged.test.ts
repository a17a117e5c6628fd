/**
 * Damaged event files: a file that is not TFRecord, a record with a bad CRC in the middle (of its data, and
 * of its length), a record whose event is a truncated varint, an unknown summary plugin and a 2 GiB length
 * field each give one warning naming the file and the offset, and the rest of the run is imported. A record
 * cut short at the end of a file is no damage: it is read once it is complete.
 */
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dumpRun } from '../src/reader/run-dump.js';
import { listRuns, readMetadataJson } from '../src/storage/index.js';
import { maskedCrc32c } from '../src/tensorboard/crc32c.js';
import type { ImportWarning } from '../src/tensorboard/import-report.js';
import { importLogDir } from '../src/tensorboard/logdir-import.js';
import { encodeEvent, frameRecord } from '../src/tensorboard/record-writer.js';
import {
  type DumpRun,
  fileVersionEvent,
  pluginEvent,
  scalarEvent,
  snapshotTree,
} from './helpers/tensorboard.js';
import { tempDir } from './helpers/viewer.js';

let tmp: ReturnType<typeof tempDir>;
let logDir: string;
let to: string;

beforeAll(() => {
  tmp = tempDir('kobo-tb-damaged-');
  logDir = join(tmp.dir, 'logs');
  to = join(tmp.dir, 'board');
});
afterAll(() => tmp?.cleanup());

/** Framed records and the offset of each in the file they make. */
function records(...events: object[]): { frames: Buffer[]; offsets: number[] } {
  const frames = events.map((e) => frameRecord(encodeEvent(e)));
  const offsets: number[] = [];
  let at = 0;
  for (const f of frames) {
    offsets.push(at);
    at += f.length;
  }
  return { frames, offsets };
}

const scalars = (tag: string, from: number, to: number) =>
  Array.from({ length: to - from }, (_, i) => scalarEvent(tag, from + i, (from + i) / 4));

function writeRun(run: string, file: string, bytes: Buffer): string {
  mkdirSync(join(logDir, run), { recursive: true });
  const path = join(logDir, run, file);
  writeFileSync(path, bytes);
  return path;
}

/** A 12-byte header claiming `length` bytes, with a valid CRC of the length. */
function header(length: bigint): Buffer {
  const h = Buffer.alloc(12);
  h.writeBigUInt64LE(length, 0);
  h.writeUInt32LE(maskedCrc32c(h.subarray(0, 8)), 8);
  return h;
}

async function importAll(): Promise<{ warnings: ImportWarning[]; runs: Map<string, DumpRun> }> {
  const warnings: ImportWarning[] = [];
  await importLogDir(logDir, { to, warn: (w) => warnings.push(w) });
  const runs = new Map<string, DumpRun>();
  for (const loc of listRuns(to)) {
    runs.set(
      readMetadataJson(loc.dir).name as string,
      dumpRun(loc.dir, { full: true }) as unknown as DumpRun,
    );
  }
  return { warnings, runs };
}

const valuesOf = (run: DumpRun | undefined, tag: string) => run?.metrics[tag]?.value ?? [];
const globalStepsOf = (run: DumpRun | undefined, tag: string) => run?.metrics[tag]?.global_step ?? [];

describe('damaged event files', () => {
  const expectWarnings: Array<Pick<ImportWarning, 'code' | 'file' | 'offset'>> = [];
  let first: Awaited<ReturnType<typeof importAll>>;
  let logBefore: Map<string, string>;

  beforeAll(async () => {
    // A record whose data does not match its CRC, between good ones.
    {
      const r = records(fileVersionEvent(1), ...scalars('loss', 0, 10));
      r.frames[6][14] ^= 0xff;
      const path = writeRun('data_crc', 'events.out.tfevents.1.host', Buffer.concat(r.frames));
      expectWarnings.push({ code: 'EDAMAGED', file: path, offset: r.offsets[6] });
    }
    // A record whose length does not match its CRC: reading resumes at the next valid record.
    {
      const r = records(fileVersionEvent(1), ...scalars('loss', 0, 10));
      r.frames[4][9] ^= 0xff;
      const path = writeRun('length_crc', 'events.out.tfevents.1.host', Buffer.concat(r.frames));
      expectWarnings.push({ code: 'EDAMAGED', file: path, offset: r.offsets[4] });
    }
    // A file that is not TFRecord, beside a good one in the same run.
    {
      const path = writeRun(
        'not_tfrecord',
        'events.out.tfevents.1.host',
        Buffer.from('not an event file\n'.repeat(40)),
      );
      writeRun(
        'not_tfrecord',
        'events.out.tfevents.2.host',
        Buffer.concat(records(...scalars('loss', 0, 5)).frames),
      );
      expectWarnings.push({ code: 'EDAMAGED', file: path, offset: 0 });
    }
    // A record with valid CRCs whose event ends inside a varint.
    {
      const good = records(...scalars('loss', 0, 3)).frames;
      const bad = frameRecord(Buffer.from([0x09, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f, 0x10, 0xff]));
      const rest = records(...scalars('loss', 3, 6)).frames;
      const path = writeRun('varint', 'events.out.tfevents.1.host', Buffer.concat([...good, bad, ...rest]));
      const offset = good.reduce((n, f) => n + f.length, 0);
      expectWarnings.push({ code: 'EDECODE', file: path, offset });
    }
    // A plugin nobody knows, three times: one warning, at its first record.
    {
      const r = records(
        scalarEvent('loss', 0, 1),
        pluginEvent('mystery/a', 'mystery_plugin', 0),
        scalarEvent('loss', 1, 2),
        pluginEvent('mystery/a', 'mystery_plugin', 1),
        pluginEvent('mystery/b', 'mystery_plugin', 2),
        scalarEvent('loss', 2, 3),
      );
      const path = writeRun('plugin', 'events.out.tfevents.1.host', Buffer.concat(r.frames));
      expectWarnings.push({ code: 'EPLUGIN', file: path, offset: r.offsets[1] });
    }
    // A 2 GiB length field (with a valid CRC) in the middle of a file, and at the end of another.
    {
      const before = records(...scalars('loss', 0, 4)).frames;
      const after = records(...scalars('loss', 4, 8)).frames;
      const offset = before.reduce((n, f) => n + f.length, 0);
      const path = writeRun(
        'huge_length',
        'events.out.tfevents.1.host',
        Buffer.concat([...before, header(2n ** 31n), Buffer.alloc(20, 0xab), ...after]),
      );
      expectWarnings.push({ code: 'EDAMAGED', file: path, offset });
      const end = writeRun(
        'huge_length',
        'events.out.tfevents.2.host',
        Buffer.concat([...records(...scalars('acc', 0, 3)).frames, header(2n ** 31n)]),
      );
      expectWarnings.push({
        code: 'EDAMAGED',
        file: end,
        offset: records(...scalars('acc', 0, 3)).frames.reduce((n, f) => n + f.length, 0),
      });
    }
    logBefore = snapshotTree(logDir);
    first = await importAll();
  });

  it('warns once per damage, naming the file and the offset', () => {
    const got = first.warnings.map(({ code, file, offset }) => ({ code, file, offset }));
    expect(got.sort((a, b) => a.file.localeCompare(b.file))).toEqual(
      [...expectWarnings].sort((a, b) => a.file.localeCompare(b.file)),
    );
    for (const w of first.warnings) expect(w.message.length).toBeGreaterThan(10);
  });

  it('imports the rest of every run', () => {
    const r = first.runs;
    expect(globalStepsOf(r.get('data_crc'), 'loss')).toEqual([0, 1, 2, 3, 4, 6, 7, 8, 9]);
    expect(globalStepsOf(r.get('length_crc'), 'loss')).toEqual([0, 1, 2, 4, 5, 6, 7, 8, 9]);
    expect(valuesOf(r.get('not_tfrecord'), 'loss')).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(globalStepsOf(r.get('varint'), 'loss')).toEqual([0, 1, 2, 3, 4, 5]);
    expect(valuesOf(r.get('plugin'), 'loss')).toEqual([1, 2, 3]);
    expect(Object.keys(r.get('plugin')!.metrics)).toEqual(['loss']);
    expect(globalStepsOf(r.get('huge_length'), 'loss')).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(globalStepsOf(r.get('huge_length'), 'acc')).toEqual([0, 1, 2]);
  });

  it('says nothing more, and imports nothing more, the second time', async () => {
    const again = await importAll();
    expect(again.warnings).toEqual([]);
    expect(again.runs).toEqual(first.runs);
  });

  it('never changes the log directory', () => {
    expect(snapshotTree(logDir)).toEqual(logBefore);
  });
});

describe('a record cut short at the end of a file', () => {
  it('is read once it is complete, without a warning', async () => {
    const r = records(fileVersionEvent(1), ...scalars('x', 0, 6));
    const path = writeRun('growing', 'events.out.tfevents.1.host', Buffer.concat(r.frames.slice(0, 5)));
    const last = r.frames[5];
    appendFileSync(path, last.subarray(0, 7)); // inside the length field
    let out = await importAll();
    expect(out.warnings).toEqual([]);
    expect(globalStepsOf(out.runs.get('growing'), 'x')).toEqual([0, 1, 2, 3]);
    appendFileSync(path, last.subarray(7, last.length - 2)); // the data, without the whole CRC
    out = await importAll();
    expect(out.warnings).toEqual([]);
    expect(globalStepsOf(out.runs.get('growing'), 'x')).toEqual([0, 1, 2, 3]);
    appendFileSync(path, Buffer.concat([last.subarray(last.length - 2), r.frames[6]]));
    out = await importAll();
    expect(out.warnings).toEqual([]);
    expect(globalStepsOf(out.runs.get('growing'), 'x')).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('whose data does not match its CRC waits as the last record, and is skipped once others follow', async () => {
    const r = records(...scalars('y', 0, 4));
    const bad = Buffer.from(r.frames[3]);
    bad[13] ^= 0xff;
    const path = writeRun(
      'torn',
      'events.out.tfevents.1.host',
      Buffer.concat([...r.frames.slice(0, 3), bad]),
    );
    let out = await importAll();
    expect(out.warnings).toEqual([]);
    expect(globalStepsOf(out.runs.get('torn'), 'y')).toEqual([0, 1, 2]);
    appendFileSync(path, records(scalarEvent('y', 10, 1)).frames[0]);
    out = await importAll();
    expect(out.warnings.map((w) => [w.code, w.file, w.offset])).toEqual([['EDAMAGED', path, r.offsets[3]]]);
    expect(globalStepsOf(out.runs.get('torn'), 'y')).toEqual([0, 1, 2, 10]);
  });
});
