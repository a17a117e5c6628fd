/**
 * kobo rm and kobo restore: a run goes to <data dir>/.trash and comes back exactly (bytes, modes,
 * modification times, links); --purge deletes; symbolic links are never followed out of the data
 * directory; a live run is refused.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listTrash, removeRun, restoreRun, TRASH_DIR } from '../src/housekeeping/index.js';
import { KOBO_BIN } from './helpers/child-process.js';
import { copyFixtures } from './helpers/fixtures.js';
import { writeTsRun } from './helpers/ts-runs.js';

let fixtures: ReturnType<typeof copyFixtures>;
let outside: string;

beforeAll(() => {
  fixtures = copyFixtures();
  outside = mkdtempSync(join(tmpdir(), 'kobo-outside-'));
  mkdirSync(join(outside, 'secrets'));
  writeFileSync(join(outside, 'secrets', 'keep.txt'), 'must survive');
});

afterAll(() => {
  fixtures.cleanup();
  rmSync(outside, { recursive: true, force: true });
});

function kobo(args: string[]) {
  const r = spawnSync(process.execPath, [KOBO_BIN, ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Everything about a tree that a round trip must keep: kinds, bytes, link targets, modes, mtimes. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const st = lstatSync(p);
      const key = relative(dir, p);
      const common = `${st.mode.toString(8)} ${st.mtimeMs}`;
      if (st.isSymbolicLink()) out[key] = `link ${readlinkSync(p)} ${common}`;
      else if (st.isDirectory()) {
        out[key] = `dir ${common}`;
        walk(p);
      } else out[key] = `file ${createHash('sha256').update(readFileSync(p)).digest('hex')} ${common}`;
    }
  };
  walk(dir);
  return out;
}

describe('kobo rm and kobo restore', () => {
  it('round-trips a run exactly, links inside it included, through the command line', () => {
    const run = join(fixtures.base, 'vision', 'lka9');
    symlinkSync(join(outside, 'secrets'), join(run, 'logs', 'outside-link'));
    const before = snapshot(run);
    const r = kobo(['rm', run]);
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(run)).toBe(false);
    const [entry] = listTrash(fixtures.base);
    expect(entry.from).toBe('vision/lka9');
    expect(r.stdout).toBe(
      `kobo rm: ${run}: moved to ${entry.path} (${r.stdout.match(/\(([^)]+)\)/)![1]}); kobo restore ${entry.id} puts it back\n`,
    );
    const listed = kobo(['restore', '--list', '--json', '--data-dir', fixtures.base]);
    expect(JSON.parse(listed.stdout).map((e: { id: string }) => e.id)).toEqual([entry.id]);
    const back = kobo(['restore', entry.id, '--data-dir', fixtures.base]);
    expect(back.code, back.stderr).toBe(0);
    expect(snapshot(run)).toEqual(before);
    expect(readdirSync(join(fixtures.base, TRASH_DIR))).toEqual([]);
    // By original path, too.
    removeRun(run);
    restoreRun(fixtures.base, 'vision/lka9');
    expect(snapshot(run)).toEqual(before);
    rmSync(join(run, 'logs', 'outside-link'));
  });

  it('--purge deletes the run and never follows a link out of it', () => {
    const run = join(fixtures.base, 'nlp', 'qggl');
    symlinkSync(join(outside, 'secrets'), join(run, 'data', 'evil'));
    symlinkSync(join(outside, 'secrets', 'keep.txt'), join(run, 'evil-file'));
    const r = kobo(['rm', '--purge', run]);
    expect([r.code, r.stdout]).toEqual([0, `kobo rm: ${run}: deleted\n`]);
    expect(existsSync(run)).toBe(false);
    expect(readFileSync(join(outside, 'secrets', 'keep.txt'), 'utf8')).toBe('must survive');
    expect(existsSync(join(fixtures.base, TRASH_DIR))).toBe(true);
  });

  it('refuses a run reached through a link that leads out of the data directory', () => {
    const elsewhere = join(outside, 'project');
    cpSync(join(fixtures.base, 'vision', 'u6pw_baseline_lr_3e-4_ablation'), join(elsewhere, 'u6pw'), {
      recursive: true,
    });
    symlinkSync(elsewhere, join(fixtures.base, 'linked'));
    const run = join(fixtures.base, 'linked', 'u6pw');
    for (const args of [
      ['rm', run, '--data-dir', fixtures.base],
      ['rm', '--purge', run, '--data-dir', fixtures.base],
    ]) {
      const r = kobo(args);
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(
        `kobo: ${run}: outside the data directory ${fixtures.base} (through a symbolic link); not touching it\n`,
      );
      expect(existsSync(join(elsewhere, 'u6pw', 'metadata.json'))).toBe(true);
    }
    rmSync(join(fixtures.base, 'linked'));
  });

  it('a run folder that is itself a link is moved and restored as a link; its target is untouched', () => {
    const target = join(outside, 'real-run');
    cpSync(join(fixtures.base, 'nlp', 'n5iy'), target, { recursive: true });
    const targetBefore = snapshot(target);
    const link = join(fixtures.base, 'nlp', 'linkrun');
    symlinkSync(target, link);
    const entry = removeRun(link)!;
    expect(lstatSync(entry.path).isSymbolicLink()).toBe(true);
    expect(snapshot(target)).toEqual(targetBefore);
    restoreRun(fixtures.base, entry.id);
    expect(readlinkSync(link)).toBe(target);
    removeRun(link, { purge: true });
    expect(existsSync(link)).toBe(false);
    expect(snapshot(target)).toEqual(targetBefore);
  });

  it('refuses a live run, a restore over an existing run, and what is not a run', () => {
    const base = mkdtempSync(join(tmpdir(), 'kobo-rm-live-'));
    try {
      const live = writeTsRun(base, {
        project: 'p',
        runId: 'live0001',
        status: 'running',
        metrics: { x: { steps: [0], values: [1] } },
      });
      const r = kobo(['rm', live]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(
        /^kobo: .*live0001: the run is being written \(status running, last activity \d+ s ago\); rm refused/,
      );
      expect(existsSync(live)).toBe(true);
      const done = writeTsRun(base, {
        project: 'p',
        runId: 'done0001',
        metrics: { x: { steps: [0], values: [1] } },
      });
      const entry = removeRun(done)!;
      writeTsRun(base, { project: 'p', runId: 'done0001' });
      const clash = kobo(['restore', entry.id, '--data-dir', base]);
      expect([clash.code, clash.stderr]).toEqual([1, `kobo: ${done}: already exists; move it away first\n`]);
      expect(kobo(['rm', base]).code).toBe(2);
      const unknown = kobo(['restore', 'nope', '--data-dir', base]);
      expect(unknown.code).toBe(2);
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });
});
