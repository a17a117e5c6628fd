/**
 * The writer works while the training thread does not yield, and what is committed survives a hard kill
 * (docs/client.md#the-writer, docs/client.md#signals): SIGKILL during steady logging loses at most the last
 * flush interval; a loop that never yields has its data on disk before it ends; a tiny queue makes log() wait
 * instead of dropping; a second signal exits at once; flush() and flushSync() return only when the data is on
 * disk.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dumpRun } from '../src/reader/run-dump.js';
import { metricRowCount, openReadOnly } from '../src/storage/index.js';
import { runDirs, runScript, runViolations, startScript } from './helpers/child-process.js';
import type { Dump } from './helpers/dataset-check.js';

const base = mkdtempSync(join(tmpdir(), 'kobo-live-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Rows of a metric file as another process sees them now (0 while the file does not exist yet). */
function liveCount(file: string): number {
  if (!existsSync(file)) return 0;
  try {
    const h = openReadOnly(file);
    try {
      return metricRowCount(h.db, file);
    } finally {
      h.close();
    }
  } catch {
    return 0; // created but not yet complete
  }
}

const FLUSH_INTERVAL_MS = 1000;
/** Allowance on a busy shared machine for the commit itself and for waking the writer. */
const COMMIT_ALLOWANCE_MS = 1000;

describe('while the training thread runs', () => {
  it('SIGKILL during steady logging loses at most the last flush interval, and the rest reads back', async () => {
    const child = startScript('steady.mjs', [join(base, 'kill')]);
    // At least 20,000 values (about 4 s of logging), so that several commits have happened.
    await child.waitForLine(/^LOGGED ([2-9][0-9]{4}|[1-9][0-9]{5,})\b/);
    const killedAt = Date.now();
    child.child.kill('SIGKILL');
    const r = await child.done;
    const [runDir] = runDirs(join(base, 'kill'), 'kill');
    const d = dumpRun(runDir, { full: true }) as Dump;
    const v = d.metrics.v;
    expect(v.value).toEqual(range(v.count)); // a prefix of what was logged, exactly
    // Everything the child had logged more than a flush interval (plus an allowance) before the kill is there.
    const progress = [...r.stdout.matchAll(/^LOGGED (\d+) (\d+)$/gm)].map((m) => [
      Number(m[1]),
      Number(m[2]),
    ]);
    const mustHave = Math.max(
      0,
      ...progress.filter(([, t]) => t <= killedAt - FLUSH_INTERVAL_MS - COMMIT_ALLOWANCE_MS).map(([i]) => i),
    );
    expect(mustHave).toBeGreaterThan(0);
    expect(v.count).toBeGreaterThanOrEqual(mustHave);
    expect(d.metadata.status).toBe('running');
    expect(d.metadata.finished_at).toBeNull();
    expect(runViolations(runDir)).toEqual([]);
  });

  it('a loop that never yields has its data on disk before it ends', async () => {
    const stopFile = join(base, 'stop-busy');
    const child = startScript('busy.mjs', [join(base, 'busy'), stopFile]);
    await child.waitForLine(/^LOOP-START$/);
    let seen = 0;
    while (seen === 0) {
      await sleep(100);
      const [runDir] = runDirs(join(base, 'busy'), 'busy');
      if (runDir) seen = liveCount(join(runDir, 'data', 'metrics', 'v.db'));
      expect(child.stdout()).not.toMatch(/LOOP-END|TIMEOUT/);
    }
    // Only now may the loop end: the rows above were committed while it ran.
    writeFileSync(stopFile, '');
    const r = await child.done;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toContain('TIMEOUT');
    const logged = Number(/FINISHED (\d+)/.exec(r.stdout)?.[1]);
    expect(seen).toBeLessThan(logged);
    const [runDir] = runDirs(join(base, 'busy'), 'busy');
    const d = dumpRun(runDir, { full: true }) as Dump;
    expect(d.metrics.v.count).toBe(logged);
    expect(d.metadata.status).toBe('finished');
  });

  it('a full queue makes log() wait for the writer, announced, and loses nothing', async () => {
    const r = await runScript('backpressure.mjs', [join(base, 'pressure')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('RELEASED-BEFORE-FINISH true\n');
    const [runDir] = runDirs(join(base, 'pressure'), 'pressure');
    const d = dumpRun(runDir, { full: true }) as Dump;
    expect(d.metrics.v.value).toEqual(range(20_001));
    expect(d.metrics.w.value).toEqual(range(20_001).map((i) => -i));
    expect(d.steps.count).toBe(20_001);
    const log = readFileSync(join(runDir, 'logs', 'board.log'), 'utf8');
    expect(log).toMatch(
      /WARNING {2}\| Logging queue at \d+\/100 messages \(\d+%\): the writer is falling behind/,
    );
    expect(log).toMatch(
      /WARNING {2}\| Logging queue full \(100 messages\): log\(\) is waiting for the writer \(backpressure\)\./,
    );
    expect(log).toMatch(/INFO {5}\| Backpressure released after \d+ ms\./);
    expect(log).toMatch(/Logged 20001 messages; dropped 0; blocked [1-9]\d* times for \d+ ms\./);
    // Every episode is in board.log; the console shows each kind of queue notice at most once a minute.
    const episodes = log.match(/log\(\) is waiting for the writer \(backpressure\)\./g) ?? [];
    const onConsole = r.stderr.match(/log\(\) is waiting for the writer \(backpressure\)\./g) ?? [];
    expect(episodes.length).toBeGreaterThan(1);
    expect(onConsole.length).toBe(1);
  });

  it('a second signal while finishing exits at once and records a crash', async () => {
    const child = startScript('second-signal.mjs', [join(base, 'second')]);
    await child.waitForLine(/^READY$/);
    child.child.kill('SIGINT');
    child.child.kill('SIGTERM');
    const r = await child.done;
    // 128 + the number of whichever signal the process handled second.
    expect([130, 143]).toContain(r.code);
    expect(r.stderr).toContain('Second signal: exiting now;');
    const [runDir] = runDirs(join(base, 'second'), 'second');
    const d = dumpRun(runDir) as Dump;
    expect(d.metadata.status).toBe('crashed');
    expect(typeof d.metadata.finished_at).toBe('string');
    expect(runViolations(runDir)).toEqual([]);
  });

  it('flushSync() and flush() return only when the data is committed', async () => {
    const r = await runScript('flush.mjs', [join(base, 'flush')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('AFTER-FLUSHSYNC 1000\n');
    expect(r.stdout).toContain('AFTER-FLUSH 2500\n');
    expect(r.stdout).toContain('DONE\n');
  });

  it('several boards in one process keep their own files and logs; memory mode writes nothing', async () => {
    const r = await runScript('boards.mjs', [join(base, 'boards')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('MEMORY-DIR-EXISTS false');
    expect(existsSync(join(base, 'boards', 'memory'))).toBe(false);
    expect(r.stderr).toContain(
      'Memory mode without remote sync: everything logged will be lost when the process exits.',
    );
    for (const [id, metric, sign] of [
      ['boarda', 'a', 1],
      ['boardb', 'b', -1],
    ] as const) {
      const runDir = join(base, 'boards', 'many', id);
      const d = dumpRun(runDir, { full: true }) as Dump;
      expect(Object.keys(d.metrics)).toEqual([metric]);
      expect(d.metrics[metric].value).toEqual(range(500).map((i) => sign * i));
      const log = readFileSync(join(runDir, 'logs', 'board.log'), 'utf8');
      expect(log.match(/Board created: /g)).toHaveLength(1);
      expect(log).toContain(`Board created: Board ${metric.toUpperCase()} (run_id: ${id}, annotation: —)`);
      expect(runViolations(runDir)).toEqual([]);
    }
  });
});
