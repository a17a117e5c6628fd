/**
 * kobo prune: on a copy of every fixture run (and runs written here), the rewritten files keep every
 * invariant of the format, `kobo dump` shows exactly the old dump cut at the step, --before-step and
 * --metric cut what they say, a dry run changes nothing, a live run is refused, and a prune killed at
 * random points (SIGKILL, 20 times) leaves the old run or the new one, never a mix or a damaged file.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  finishInterruptedPrune,
  HousekeepingError,
  pruneRun,
  STAGING_DIR,
} from '../src/housekeeping/index.js';
import { dumpRun } from '../src/reader/run-dump.js';
import { KOBO_BIN } from './helpers/child-process.js';
import { copyFixtures, fixtureIndex, fixtureRunDir } from './helpers/fixtures.js';
import { columnVaultViolations, kvaultViolations } from './helpers/invariants.js';
import { comparable, cutDump } from './helpers/prune-cut.js';
import { T0, writeTsRun } from './helpers/ts-runs.js';

type Json = Record<string, unknown>;
let fixtures: ReturnType<typeof copyFixtures>;
let work: string;

beforeAll(() => {
  fixtures = copyFixtures();
  work = mkdtempSync(join(tmpdir(), 'kobo-prune-'));
});

afterAll(() => {
  fixtures.cleanup();
  rmSync(work, { recursive: true, force: true });
});

const full = (dir: string) => dumpRun(dir, { full: true }) as Json;

function dbFiles(dir: string, sub: string): string[] {
  const d = join(dir, sub);
  return existsSync(d)
    ? readdirSync(d)
        .filter((f) => f.endsWith('.db'))
        .map((f) => join(d, f))
    : [];
}

/** Invariant violations of every database of a run (checked on the SQLite tables directly). */
function violations(dir: string): string[] {
  return [
    ...[...dbFiles(dir, 'data/metrics'), ...dbFiles(dir, 'data/histograms')].flatMap((f) =>
      columnVaultViolations(f),
    ),
    ...[...dbFiles(dir, 'data/tensors'), ...dbFiles(dir, 'media')].flatMap((f) => kvaultViolations(f)),
  ];
}

/** The steps of a run's step index (or of its metrics), to choose cut points from. */
function stepsOf(dump: Json): number[] {
  const s = (dump.steps as Json | null)?.step as number[] | undefined;
  return [...new Set(s ?? [])].sort((a, b) => a - b);
}

/** A copy of a run folder under its own folder name (a dump names the folder), in a fresh parent. */
function copyRun(dir: string, name: string): string {
  const target = join(work, name, basename(dir));
  rmSync(join(work, name), { recursive: true, force: true });
  rmSync(target, { recursive: true, force: true });
  cpSync(dir, target, { recursive: true });
  return target;
}

describe('kobo prune on every fixture run', () => {
  it('keeps every invariant and leaves exactly the old dump cut at the step', async () => {
    for (const run of fixtureIndex().runs) {
      const steps = stepsOf(full(fixtureRunDir(fixtures.base, run)));
      for (const cut of [steps[Math.floor(steps.length / 2)], steps[0]]) {
        const dir = copyRun(fixtureRunDir(fixtures.base, run), `${run.board_id}-${cut}`);
        const before = full(dir);
        const violationsBefore = violations(dir);
        // Copies have fresh modification times, which count as activity: no staleness wait here.
        await pruneRun(dir, { afterStep: cut, staleAfterMs: 0 });
        expect(violations(dir), `${run.board_id} cut at ${cut}`).toEqual(violationsBefore);
        expect(comparable(full(dir)), `${run.board_id} cut at ${cut}`).toEqual(
          cutDump(before, Number.MIN_SAFE_INTEGER, cut),
        );
        expect(existsSync(join(dir, STAGING_DIR))).toBe(false);
        // Column metadata is kept: names, dtypes and chunk sizes; only the lengths change.
        const layout = (d: Json) =>
          Object.fromEntries(
            Object.entries(d.layout as Record<string, Json[]>).map(([f, cols]) => [
              f,
              cols.map(({ length: _l, chunks: _c, ...rest }) => rest),
            ]),
          );
        const after = full(dir);
        for (const [file, cols] of Object.entries(layout(after))) expect(cols).toEqual(layout(before)[file]);
      }
    }
  });
});

describe('kobo prune on runs written here', () => {
  let base: string;
  let run: string;
  beforeAll(() => {
    base = mkdtempSync(join(tmpdir(), 'kobo-prune-ts-'));
    const n = 3000;
    const steps = [...Array(n).keys()];
    run = writeTsRun(base, {
      project: 'p',
      runId: 'tsrun001',
      metrics: {
        'train/loss': { steps, values: steps.map((s) => (s % 97 === 0 ? Number.NaN : Math.sin(s))) },
        'train/acc': {
          steps: steps.filter((s) => s % 10 === 0),
          values: steps.filter((s) => s % 10 === 0).map((s) => s / n),
        },
        'late/metric': { steps: [2500, 2600], values: [1, 2] },
      },
      histograms: [10, 1500, 2900].flatMap((s) => [
        { name: 'grad/w', step: s, counts: [1, 2, 3, 4], min: -1, max: 1 },
        { name: 'grad/b', step: s, counts: [4, 3, 2, 1], min: 0, max: 2 },
      ]),
      media: [
        { name: 'img', step: 100, bytes: Buffer.from('\x89PNGa'), format: 'png' },
        { name: 'img', step: 2000, bytes: Buffer.from('\x89PNGb'), format: 'png' },
        { name: 'img', step: 2100, bytes: Buffer.from('\x89PNGa'), format: 'png' },
      ],
      tables: [{ name: 'preds', step: 2200, columns: ['a'], columnTypes: ['number'], rowsText: '[[1]]' }],
      tensors: [
        { name: 'params/w', step: 50, descr: '<f4', shape: [2], data: new Uint8Array(8) },
        { name: 'params/w', step: 2950, descr: '<f4', shape: [2], data: new Uint8Array(8).fill(1) },
      ],
      kde: [{ name: 'params/kde', step: 2990, grid: [0, 1], density: [0.5, 0.5] }],
    });
  });
  afterAll(() => rmSync(base, { recursive: true, force: true }));

  it('--after-step: TS-written files keep TS chunk sizes and invariants; empty metrics go', async () => {
    const dir = copyRun(run, 'ts-after');
    const before = full(dir);
    const report = await pruneRun(dir, { afterStep: 1999 });
    expect(report.changes.find((c) => c.file === 'data/metrics/late__metric.db')).toMatchObject({
      action: 'remove',
    });
    expect(existsSync(join(dir, 'data/metrics/late__metric.db'))).toBe(false);
    expect(comparable(full(dir))).toEqual(cutDump(before, Number.MIN_SAFE_INTEGER, 1999));
    for (const f of [...dbFiles(dir, 'data/metrics'), ...dbFiles(dir, 'data/histograms')])
      expect(columnVaultViolations(f, { tsCreated: true })).toEqual([]);
    for (const f of [...dbFiles(dir, 'data/tensors'), ...dbFiles(dir, 'media')])
      expect(kvaultViolations(f)).toEqual([]);
    // The blob logged at 100 and again at 2100 stays (a kept row refers to it); the one at 2000 goes.
    expect(Object.keys((full(dir).kvault as Json)['media/blobs.db'] as Json)).toHaveLength(1);
  });

  it('--before-step together with --after-step keeps the window', async () => {
    const dir = copyRun(run, 'ts-window');
    const before = full(dir);
    await pruneRun(dir, { beforeStep: 1000, afterStep: 2599 });
    expect(comparable(full(dir))).toEqual(cutDump(before, 1000, 2599));
  });

  it('--metric changes only the metrics it names', async () => {
    const dir = copyRun(run, 'ts-metric');
    const before = full(dir);
    const report = await pruneRun(dir, { afterStep: 100, metrics: ['train/l*'] });
    expect(report.changes.map((c) => c.file)).toEqual(['data/metrics/train__loss.db']);
    const want = comparable(before);
    (want.metrics as Json)['train/loss'] = (
      cutDump(before, Number.MIN_SAFE_INTEGER, 100, true).metrics as Json
    )['train/loss'];
    expect(comparable(full(dir))).toEqual(want);
  });

  it('a dry run reports and changes nothing; nothing to remove is no change', async () => {
    const dir = copyRun(run, 'ts-dry');
    const snapshot = treeBytes(dir);
    const report = await pruneRun(dir, { afterStep: 10, dryRun: true });
    expect(report.changes.length).toBeGreaterThan(3);
    expect(treeBytes(dir)).toEqual(snapshot);
    const none = await pruneRun(dir, { afterStep: 1_000_000 });
    expect(none.changes).toEqual([]);
    expect(treeBytes(dir)).toEqual(snapshot);
  });

  it('refuses a run that is being written, and a folder that is not a run', async () => {
    const live = writeTsRun(base, {
      project: 'p',
      runId: 'live0001',
      status: 'running',
      metrics: { x: { steps: [0, 1], values: [1, 2] } },
    });
    const err = await pruneRun(live, { afterStep: 0 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HousekeepingError);
    expect((err as HousekeepingError).message).toMatch(
      /the run is being written \(status running, last activity \d+ s ago\); prune refused/,
    );
    const r = spawnSync(process.execPath, [KOBO_BIN, 'prune', live, '--after-step', '0'], {
      encoding: 'utf8',
    });
    expect(r.status).toBe(1);
    expect(r.stderr.split('\n').filter(Boolean)).toHaveLength(1);
    const notRun = spawnSync(process.execPath, [KOBO_BIN, 'prune', base, '--after-step', '0'], {
      encoding: 'utf8',
    });
    expect([notRun.status, notRun.stderr]).toEqual([
      2,
      `kobo: ${base}: not a run folder: metadata.json is missing\n`,
    ]);
    const usage = spawnSync(process.execPath, [KOBO_BIN, 'prune', run], { encoding: 'utf8' });
    expect(usage.status).toBe(2);
  });
});

/** Every file of a run except SQLite's -shm/-wal companions and the staging folder, with its bytes. */
function treeBytes(dir: string): string {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (name === STAGING_DIR) continue;
      if (statSync(p).isDirectory()) walk(p);
      else if (!name.endsWith('-shm') && !name.endsWith('-wal'))
        out[relative(dir, p)] = createHash('sha256').update(readFileSync(p)).digest('hex');
    }
  };
  walk(dir);
  return JSON.stringify(out);
}

describe('a prune killed at random points', () => {
  it('leaves the old run or the new one, 20 times out of 20', { timeout: 600_000 }, async () => {
    const base = mkdtempSync(join(tmpdir(), 'kobo-prune-kill-'));
    try {
      const steps = [...Array(5_000).keys()];
      const metrics = Object.fromEntries(
        Array.from({ length: 8 }, (_, m) => [
          `m/${m}`,
          { steps, values: steps.map((s) => s * (m + 1)), timestamps: steps.map((s) => T0 + s) },
        ]),
      );
      const original = writeTsRun(base, {
        project: 'p',
        runId: 'killme01',
        metrics,
        histograms: [100, 4_000].map((s) => ({ name: 'h/x', step: s, counts: [1, 2, 3], min: 0, max: 1 })),
        media: [1000, 4_500].map((s, i) => ({
          name: 'img',
          step: s,
          bytes: Buffer.from(`\x89PNG${i}`),
          format: 'png',
        })),
      });
      const cut = 2_499;
      const oldDump = comparable(full(original));
      const newDump = cutDump(full(original), Number.MIN_SAFE_INTEGER, cut);
      // How long one prune takes here, to spread the kills over it.
      const timed = copyRun(original, 'kill-timing');
      const t0 = Date.now();
      const ok = spawnSync(process.execPath, [KOBO_BIN, 'prune', timed, '--after-step', String(cut)], {
        encoding: 'utf8',
      });
      expect(ok.status, ok.stderr).toBe(0);
      expect(comparable(full(timed))).toEqual(newDump);
      const duration = Date.now() - t0;
      const outcomes: Record<string, number> = { old: 0, new: 0, committedWhenKilled: 0 };
      for (let i = 0; i < 20; i++) {
        const dir = copyRun(original, 'kill-target');
        const oldBytes = treeBytes(dir);
        // Half the kills at a random time, half right after a printed step (staged, committed, replaced).
        const child = spawn(
          process.execPath,
          [KOBO_BIN, 'prune', dir, '--after-step', String(cut), '--verbose'],
          { stdio: ['ignore', 'ignore', 'pipe'] },
        );
        const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
        if (i % 2 === 0) {
          setTimeout(() => child.kill('SIGKILL'), Math.floor(Math.random() * duration));
        } else {
          const afterLines = 1 + (((i >> 1) * 3) % 24);
          let seen = 0;
          child.stderr!.on('data', (d: Buffer) => {
            seen += d.toString().split('\n').filter(Boolean).length;
            if (seen >= afterLines) child.kill('SIGKILL');
          });
        }
        await exited;
        // Killed while staging: the run's own files are untouched. (Without a staging folder the prune had
        // not begun or had finished: the dump below tells which.)
        const staging = existsSync(join(dir, STAGING_DIR));
        const committed = existsSync(join(dir, STAGING_DIR, 'journal.json'));
        if (committed) outcomes.committedWhenKilled++;
        else if (staging)
          expect(treeBytes(dir) === oldBytes, `kill ${i}: files changed before the commit`).toBe(true);
        // What `kobo prune RUN --recover` (and any later prune or rm of the run) does first.
        finishInterruptedPrune(dir);
        const now = comparable(full(dir));
        const same =
          JSON.stringify(now) === JSON.stringify(oldDump)
            ? 'old'
            : JSON.stringify(now) === JSON.stringify(newDump)
              ? 'new'
              : 'mixed';
        expect(same, `kill ${i}`).not.toBe('mixed');
        expect(violations(dir), `kill ${i}`).toEqual([]);
        outcomes[same]++;
      }
      console.log(
        `prune killed 20 times: ${outcomes.old} left the old run, ${outcomes.new} the new one (${outcomes.committedWhenKilled} killed after the commit, rolled forward)`,
      );
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });
});
