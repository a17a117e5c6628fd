/**
 * When the writer fails (docs/client.md#what-the-constructor-does step 4, docs/client.md#writer-failures,
 * docs/client.md#finishing step 5, docs/client.md#exit-status): it cannot start, it crashes, it stalls while
 * log() waits, or it stalls while finishing. Each case runs a real Board from the built package in a child
 * process; the tests check what is on disk, in board.log and in writer.log. The crash and the shortened 60 s
 * limit come from the internal hooks (src/client/internal-hooks.ts); the start failure and the stalls are
 * real: a path SQLite cannot open, and a write lock held by this process.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { dumpRun } from '../src/reader/run-dump.js';
import { runDirs, runScript, runViolations, startScript } from './helpers/child-process.js';
import type { Dump } from './helpers/dataset-check.js';

const base = mkdtempSync(join(tmpdir(), 'kobo-failures-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);
const read = (file: string) => readFileSync(file, 'utf8');
const metadataJson = (runDir: string) => JSON.parse(read(join(runDir, 'metadata.json')));

/** The one number a pattern captures in a text (the test fails if it is not there). */
function captured(text: string, re: RegExp): number {
  const m = re.exec(text);
  expect(m, `${re} in:\n${text}`).not.toBeNull();
  return Number(m?.[1]);
}

/**
 * The accounting of a run whose writer crashed while taking message 1,500 of the 2,100 the script logs:
 * every call was either handed over or dropped and counted (the board may notice the crash while it is
 * still logging the second thousand), and what was handed over but not stored is reported as not written.
 */
function expectCrashAccounting(boardLog: string, stored: number): number {
  const logged = captured(boardLog, /Logged (\d+) messages; dropped \d+;/);
  const dropped = captured(boardLog, /Logged \d+ messages; dropped (\d+);/);
  expect(logged + dropped).toBe(2100);
  expect(logged).toBeGreaterThanOrEqual(1500);
  expect(boardLog).toContain(
    `The run is recorded as crashed; ${logged - stored} logged messages were not written.`,
  );
  return logged;
}

/** Holds the write lock of a database file (BEGIN IMMEDIATE) until released, as another program might. */
function holdWriteLock(file: string): { release(): void } {
  const db = new Database(file, { fileMustExist: true });
  db.pragma('busy_timeout = 5000');
  db.exec('BEGIN IMMEDIATE');
  let held = true;
  return {
    release() {
      if (!held) return;
      held = false;
      db.exec('ROLLBACK');
      db.close();
    },
  };
}

describe('the writer fails', () => {
  it('cannot start: Board.create and finish() reject with the start error, data is dropped and counted, the run is crashed', async () => {
    // Every component is allowed, but the whole path of data/metadata.db is longer than SQLite's 512 bytes.
    const deep = join(base, 'd'.repeat(200), 'e'.repeat(200), 'f'.repeat(200));
    const r = await runScript('writer-start-failure.mjs', [deep]);
    expect(r.code, r.stderr).toBe(0);
    const startError =
      'StorageError ESQLITE data/metadata.db: unable to open database file (SQLITE_CANTOPEN)';
    expect(r.stdout).toContain(`CREATE-REJECTED ${startError}\n`);
    expect(r.stdout).toMatch(
      /FLUSH-REJECTED The writer stopped \(the writer could not start: .*\); 5 logged messages were not written\n/,
    );
    expect(r.stdout).toContain(`FINISH-REJECTED ${startError}\n`);
    const consoleLine =
      'The writer could not start: StorageError: data/metadata.db: unable to open database file (SQLITE_CANTOPEN); logged data will be dropped.';
    expect(r.stderr).toContain(consoleLine);

    const dirs = runDirs(deep, 'nostart');
    expect(dirs.map((d) => d.replace(/^.*_/, '')).sort()).toEqual(['board', 'create']);
    for (const runDir of dirs) {
      const meta = metadataJson(runDir);
      expect(meta.status).toBe('crashed');
      expect(typeof meta.finished_at).toBe('string');
      expect(existsSync(join(runDir, 'data', 'metadata.db'))).toBe(false);
      const boardLog = read(join(runDir, 'logs', 'board.log'));
      expect(boardLog).toContain(`| ERROR    | ${consoleLine}`);
      expect(read(join(runDir, 'logs', 'writer.log'))).toMatch(
        /\| WRITER {3}\| ERROR {4}\| Writer could not start: StorageError: data\/metadata\.db: unable to open database file/,
      );
    }
    const boardLog = read(join(dirs.find((d) => d.endsWith('_board')) ?? '', 'logs', 'board.log'));
    expect(boardLog).toMatch(
      /ERROR {4}\| Writer is not running \(the writer could not start: .*\); logged data is being dropped\./,
    );
    expect(boardLog).toContain('The run is recorded as crashed; 5 logged messages were not written.');
    expect(boardLog).toContain('Logged 5 messages; dropped 10; blocked 0 times for 0 ms.');
  });

  it('crashes: an ERROR, flush() rejects, later data is dropped and counted, finish() records a crash; committed data stays', async () => {
    const r = await runScript('writer-crash.mjs', [join(base, 'crash'), 'finish']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('FLUSHED 1000\n');
    // The board learns of the crash from the writer's report, or first from the shared state.
    expect(r.stdout).toMatch(
      /FLUSH-REJECTED The writer (stopped|is not running) \(the writer crashed[:;] .*\)/,
    );
    const runDir = runDirs(join(base, 'crash'), 'crash').find((d) => d.endsWith('_finish')) ?? '';
    const d = dumpRun(runDir, { full: true }) as Dump;
    // What was committed before the crash is all there, as a prefix of what was logged; the rest is lost.
    const stored = d.metrics.v.count;
    expect(stored).toBeGreaterThanOrEqual(1000);
    expect(stored).toBeLessThan(1500);
    expect(d.metrics.v.value).toEqual(range(0, stored));
    expect(d.steps.count).toBe(stored);
    expect(d.metadata.status).toBe('crashed');
    expect(typeof d.metadata.finished_at).toBe('string');
    expect(runViolations(runDir)).toEqual([]);

    const boardLog = read(join(runDir, 'logs', 'board.log'));
    const logged = expectCrashAccounting(boardLog, stored);
    const lost = captured(
      r.stdout,
      /FINISH-REJECTED The writer is not running \(.*\); (\d+) logged messages were not written\n/,
    );
    expect(lost).toBe(logged - stored);
    expect(boardLog).toContain(
      '| ERROR    | The writer crashed: Error: Injected writer crash after 1500 messages (test hook) (the stack is in logs/writer.log); logged data is dropped from now on.',
    );
    expect(boardLog).toMatch(
      /ERROR {4}\| Writer is not running \(the writer crashed[:;] .*\); logged data is being dropped\./,
    );
    expect(r.stderr).toContain('The writer crashed: Error: Injected writer crash after 1500 messages');
    const writerLog = read(join(runDir, 'logs', 'writer.log'));
    expect(writerLog).toMatch(
      /\| ERROR {4}\| Writer crashed: Error: Injected writer crash after 1500 messages \(test hook\)\n.*\| ERROR {4}\| {5}at /,
    );
  });

  it('crashes and the script just ends: the exit hooks record the crash, the exit code is unchanged', async () => {
    const r = await runScript('writer-crash.mjs', [join(base, 'crash'), 'natural']);
    expect(r.code, r.stderr).toBe(0);
    const runDir = runDirs(join(base, 'crash'), 'crash').find((d) => d.endsWith('_natural')) ?? '';
    const d = dumpRun(runDir, { full: true }) as Dump;
    const stored = d.metrics.v.count;
    expect(stored).toBeGreaterThanOrEqual(1000);
    expect(d.metrics.v.value).toEqual(range(0, stored));
    expect(d.metadata.status).toBe('crashed');
    expect(typeof d.metadata.finished_at).toBe('string');
    expectCrashAccounting(read(join(runDir, 'logs', 'board.log')), stored);
  });

  it('crashes while the training thread never yields: flushSync() throws and later data is dropped', async () => {
    const r = await runScript('writer-crash.mjs', [join(base, 'crash'), 'sync']);
    expect(r.code, r.stderr).toBe(0);
    // The board saw the crash in the shared state; the writer's report (with the error) came later.
    expect(r.stdout).toMatch(
      /FLUSH-REJECTED The writer is not running \(the writer crashed; see logs\/writer\.log\); \d+ logged messages were not written\n/,
    );
    const runDir = runDirs(join(base, 'crash'), 'crash').find((d) => d.endsWith('_sync')) ?? '';
    const d = dumpRun(runDir, { full: true }) as Dump;
    expect(d.metrics.v.value).toEqual(range(0, d.metrics.v.count));
    expect(d.metadata.status).toBe('crashed');
    const boardLog = read(join(runDir, 'logs', 'board.log'));
    expectCrashAccounting(boardLog, d.metrics.v.count);
    // The details arrive with the writer's report, once the event loop turns (in finish()).
    expect(boardLog).toContain('The writer crashed: Error: Injected writer crash after 1500 messages');
  });

  it('stalls while log() waits: drop mode after the no-progress limit, dropped messages counted, recovery reported', async () => {
    const lockedFile = join(base, 'stall-locked');
    const child = startScript('stall.mjs', [join(base, 'stall'), lockedFile]);
    await child.waitForLine(/^READY$/);
    const [runDir] = runDirs(join(base, 'stall'), 'stall');
    const lock = holdWriteLock(join(runDir, 'data', 'metrics', 'v.db'));
    try {
      writeFileSync(lockedFile, '');
      await child.waitForLine(/^STALLED$/);
    } finally {
      lock.release();
    }
    const r = await child.done;
    expect(r.code, r.stderr).toBe(0);
    const total = captured(r.stdout, /^TOTAL (\d+)$/m);

    const boardLog = read(join(runDir, 'logs', 'board.log'));
    expect(boardLog).toContain(
      '| ERROR    | Writer made no progress for 1 s; dropping logged data until it recovers.',
    );
    // (Summed, in case a very slow machine lets SQLite's busy wait end before the lock is released.)
    const recoveries = [...boardLog.matchAll(/INFO {5}\| Writer recovered; (\d+) messages were dropped\./g)];
    expect(recoveries.length).toBeGreaterThan(0);
    const droppedInStall = recoveries.reduce((sum, m) => sum + Number(m[1]), 0);
    expect(droppedInStall).toBeGreaterThan(0);
    const logged = captured(boardLog, /Logged (\d+) messages; dropped \d+;/);
    expect(captured(boardLog, /Logged \d+ messages; dropped (\d+);/)).toBe(droppedInStall);
    expect(logged + droppedInStall).toBe(total);

    // Everything that was not dropped is stored, in order: the values before and after the stall are there.
    const d = dumpRun(runDir, { full: true }) as Dump;
    const v: number[] = d.metrics.v.value;
    expect(v).toHaveLength(logged);
    expect(v.slice(0, 100)).toEqual(range(0, 100));
    expect(v.slice(-100)).toEqual(range(total - 100, total));
    expect(v.every((x, i) => i === 0 || x > v[i - 1])).toBe(true);
    expect(d.steps.count).toBe(logged);
    expect(d.metadata.status).toBe('finished');
    expect(runViolations(runDir)).toEqual([]);
  });

  it('stalls while finishing: finish() stops it after the no-progress limit, rejects with the count lost, the run is crashed', async () => {
    const lockedFile = join(base, 'finish-stall-locked');
    const child = startScript('finish-stall.mjs', [join(base, 'finishstall'), lockedFile]);
    await child.waitForLine(/^READY$/);
    const [runDir] = runDirs(join(base, 'finishstall'), 'finishstall');
    const lock = holdWriteLock(join(runDir, 'data', 'metrics', 'v.db'));
    let r: Awaited<typeof child.done>;
    try {
      writeFileSync(lockedFile, '');
      r = await child.done;
    } finally {
      lock.release();
    }
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(
      /FINISH-REJECTED The writer is not running \(the writer made no progress for 1 s and was stopped\); 10 logged messages were not written\n/,
    );
    const boardLog = read(join(runDir, 'logs', 'board.log'));
    expect(boardLog).toContain(
      '| ERROR    | The writer made no progress for 1 s while finishing; stopping it.',
    );
    expect(boardLog).toContain('The run is recorded as crashed; 10 logged messages were not written.');
    const d = dumpRun(runDir, { full: true }) as Dump;
    expect(d.metrics.v.value).toEqual(range(0, 100));
    expect(d.metadata.status).toBe('crashed');
    expect(typeof d.metadata.finished_at).toBe('string');
  });
});
