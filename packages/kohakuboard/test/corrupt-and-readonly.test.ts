/**
 * Damaged input gives an error that names the file and the problem (never a crash, a hang or a wrong value);
 * reading never writes to a run; a run in a read-only directory is still read.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  cpSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dumpRun } from '../src/reader/run-dump.js';
import { StorageError } from '../src/storage/index.js';
import { FIXTURES_DIR, fixtureIndex, REPO_ROOT, readExpected } from './helpers/fixtures.js';

const KOBO = join(REPO_ROOT, 'packages/kohakuboard/bin/kobo.js');
const runs = fixtureIndex().runs;
const big = runs.find((r) => r.board_id === 'lka9')!;
const rich = runs.find((r) => r.board_id.startsWith('u6pw'))!;
const crashed = runs.find((r) => r.state === 'unfinished')!;

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'kobo-damage-'));
});
afterEach(() => {
  chmodTree(root, true);
  rmSync(root, { recursive: true, force: true });
});

function chmodTree(path: string, writable: boolean): void {
  const st = statSync(path);
  if (st.isDirectory()) {
    if (writable) chmodSync(path, 0o755);
    for (const e of readdirSync(path)) chmodTree(join(path, e), writable);
    if (!writable) chmodSync(path, 0o555);
  } else {
    chmodSync(path, writable ? 0o644 : 0o444);
  }
}

function copyRun(run: { path: string }): string {
  const dir = join(root, run.path.split('/').pop()!);
  cpSync(join(FIXTURES_DIR, run.path), dir, { recursive: true });
  chmodTree(dir, true);
  return dir;
}

function dumpCli(dir: string, options: { uid?: number; gid?: number } = {}) {
  return spawnSync(process.execPath, [KOBO, 'dump', dir], {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    ...options,
  });
}

function expectReported(dir: string, file: string, problem: RegExp): void {
  let caught: unknown;
  try {
    dumpRun(dir);
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(StorageError);
  expect((caught as StorageError).message).toContain(file);
  expect((caught as StorageError).message).toMatch(problem);
  const cli = dumpCli(dir);
  expect(cli.status).toBe(1);
  expect(cli.stdout).toBe('');
  const lines = cli.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toContain(file);
  expect(lines[0]).toMatch(problem);
}

function sql(file: string, statement: string): void {
  const db = new Database(file);
  db.exec(statement);
  db.close();
}

describe('damaged runs', () => {
  it('a truncated chunk blob', () => {
    const dir = copyRun(big);
    const file = join(dir, 'data/metrics/train__loss.db');
    sql(
      file,
      "UPDATE col_chunks SET data = substr(data, 1, 100) WHERE col_id = (SELECT col_id FROM col_meta WHERE name = 'value')",
    );
    expectReported(
      dir,
      file,
      /column "value": col_meta.length 40962 needs 327696 bytes of data but its chunks hold only 100/,
    );
  });

  it('col_meta.length beyond the data', () => {
    const dir = copyRun(big);
    const file = join(dir, 'data/metrics/train__loss.db');
    sql(file, 'UPDATE col_meta SET length = 1000000');
    expectReported(dir, file, /col_meta.length 1000000 needs 8000000 bytes/);
  });

  it('a missing table', () => {
    const dir = copyRun(big);
    const file = join(dir, 'data/metrics/train__loss.db');
    sql(file, 'DROP TABLE col_chunks');
    expectReported(dir, file, /the col_meta or col_chunks table is missing/);
  });

  it('a missing column', () => {
    const dir = copyRun(big);
    const file = join(dir, 'data/metrics/train__loss.db');
    sql(file, "DELETE FROM col_meta WHERE name = 'timestamp'");
    expectReported(dir, file, /column "timestamp" is missing/);
  });

  it('a metadata.json that is not JSON', () => {
    const dir = copyRun(big);
    writeFileSync(join(dir, 'metadata.json'), '{"name": "half-written", "config": {');
    expectReported(dir, join(dir, 'metadata.json'), /not valid JSON: .* at line 1, column \d+/);
  });

  it('a var-size index that points outside its data chunk', () => {
    const dir = copyRun(rich);
    const file = join(dir, 'data/histograms/gradients_64_i32.db');
    // Overwrite the end offset of the first name with a value beyond the chunk.
    const db = new Database(file);
    const colId = db.prepare("SELECT col_id FROM col_meta WHERE name = 'name_idx'").pluck().get();
    const data = db
      .prepare('SELECT data FROM col_chunks WHERE col_id = ? AND chunk_idx = 0')
      .pluck()
      .get(colId) as Buffer;
    data.writeInt32LE(0x00ffffff, 8);
    db.prepare('UPDATE col_chunks SET data = ? WHERE col_id = ? AND chunk_idx = 0').run(data, colId);
    db.close();
    expectReported(dir, file, /column "name": element 0 spans bytes/);
  });

  it('a truncated tensor payload', () => {
    const dir = copyRun(rich);
    const file = join(dir, 'data/tensors/params.db');
    const db = new Database(file);
    const key = Buffer.from('fc1.weight:13');
    const value = db.prepare('SELECT value FROM kv WHERE key = ?').pluck().get(key) as Buffer;
    db.prepare('UPDATE kv SET value = ? WHERE key = ?').run(value.subarray(0, value.length - 5), key);
    db.close();
    expectReported(dir, file, /key fc1\.weight:13: NPY data is truncated/);
  });

  it('a chunk whose data is not a BLOB', () => {
    const dir = copyRun(big);
    const file = join(dir, 'data/metrics/train__loss.db');
    sql(file, "UPDATE col_chunks SET data = 'text' WHERE col_id = 1");
    expectReported(dir, file, /column "step": chunk 0 is not a BLOB/);
  });

  it('a database file that is not SQLite', () => {
    const dir = copyRun(big);
    const file = join(dir, 'data/metrics/train__loss.db');
    writeFileSync(file, Buffer.alloc(8192, 0x41));
    expectReported(dir, file, /SQLITE_NOTADB/);
  });

  it('a database file cut short', () => {
    const dir = copyRun(big);
    const file = join(dir, 'data/metrics/train__loss.db');
    truncateSync(file, 4096 * 3);
    expectReported(dir, file, /SQLITE_CORRUPT|database disk image is malformed/);
  });

  it('a folder that is not a run gets a one-line error naming metadata.json and exit code 2', () => {
    const cli = dumpCli(root);
    expect(cli.status).toBe(2);
    expect(cli.stderr.trim().split('\n')).toEqual([
      `kobo: ${root}: not a run folder: metadata.json is missing`,
    ]);
    const missing = dumpCli(join(root, 'nope'));
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('no such directory');
  });
});

/**
 * Hashes of every file of a run, except SQLite's own -shm files and empty -wal files
 * (docs/format.md#reading-safely).
 */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (!e.name.endsWith('-shm') && !(e.name.endsWith('-wal') && statSync(p).size === 0)) {
        out[relative(dir, p)] = createHash('sha256').update(readFileSync(p)).digest('hex');
      }
    }
  };
  walk(dir);
  return out;
}

describe('reading never writes to the run', () => {
  it.each([big, rich, crashed])('leaves every file of $board_id as it was', (run) => {
    const dir = copyRun(run);
    const before = snapshot(dir);
    dumpRun(dir);
    execFileSync(process.execPath, [KOBO, 'dump', dir], { maxBuffer: 256 * 1024 * 1024 });
    expect(snapshot(dir)).toEqual(before);
  });
});

describe('a run in a read-only directory', () => {
  const asRoot = process.getuid?.() === 0;
  // Root ignores permission bits, so the reader runs as an unprivileged user there.
  const unprivileged = asRoot ? { uid: 65534, gid: 65534 } : {};

  it.each([crashed, rich])('is still read completely ($board_id)', (run) => {
    const dir = copyRun(run);
    if (asRoot) chmodSync(root, 0o755);
    chmodTree(dir, false);
    const before = snapshot(dir);
    if (asRoot) {
      const probe = spawnSync(
        process.execPath,
        ['-e', `require('fs').writeFileSync(${JSON.stringify(join(dir, 'probe'))}, 'x')`],
        unprivileged,
      );
      expect(probe.status).not.toBe(0); // the directory really is read-only for the reader
    }
    const cli = dumpCli(dir, unprivileged);
    // Without -shm files SQLite needs a writable directory, so the reader uses temporary copies and says so.
    if (run !== crashed) expect(cli.stderr).toMatch(/read-only/);
    expect(cli.status).toBe(0);
    const doc = JSON.parse(cli.stdout);
    const expected = readExpected(run);
    for (const key of [
      'metadata',
      'steps',
      'metrics',
      'histogram_files',
      'media',
      'tables',
      'tensors',
      'kernel_density',
    ]) {
      expect(doc[key], key).toEqual(expected[key]);
    }
    expect(snapshot(dir)).toEqual(before);
  });
});
