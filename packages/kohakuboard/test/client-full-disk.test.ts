/**
 * A full disk never loses data silently (docs/client.md#full-disk). A run whose files cannot be written
 * keeps logging; the first failed commit is an ERROR naming the cause; flush() rejects while data is dropped;
 * the writer resumes when space comes back and says how much was lost; finish() always settles, the run is
 * recorded as crashed with the count; what was committed stays readable. Twice: with SQLITE_FULL injected
 * below the writer's SQLite calls (runs anywhere), and on a real tmpfs of 8 MiB (needs `mount`, else skipped
 * with the reason). Also: a base directory where no folder can be made fails with one clear error.
 */
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dumpRun } from '../src/reader/run-dump.js';
import { runDirs, runScript, runViolations, startScript } from './helpers/child-process.js';
import type { Dump } from './helpers/dataset-check.js';

const base = mkdtempSync(join(tmpdir(), 'kobo-diskfull-'));
const read = (file: string) => readFileSync(file, 'utf8');

/** Mounts a tmpfs of `size` at a new folder; the reason it could not, when it could not. */
function mountTmpfs(size: string, readOnly = false): { dir: string } | { reason: string } {
  const dir = join(base, `tmpfs-${size}${readOnly ? '-ro' : ''}`);
  mkdirSync(dir, { recursive: true });
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `${readOnly ? 'ro,' : ''}size=${size}`, 'tmpfs', dir], {
      stdio: 'pipe',
    });
    mounted.push(dir);
    return { dir };
  } catch (err) {
    const stderr = (err as { stderr?: Buffer }).stderr?.toString().trim();
    return { reason: stderr || (err as Error).message };
  }
}
const mounted: string[] = [];
afterAll(() => {
  for (const dir of mounted) {
    try {
      execFileSync('umount', [dir], { stdio: 'pipe' });
    } catch {
      /* still busy: the next boot cleans up a tmpfs */
    }
  }
  rmSync(base, { recursive: true, force: true });
});

function captured(text: string, re: RegExp): number {
  const m = re.exec(text);
  expect(m, `${re} in:\n${text}`).not.toBeNull();
  return Number(m?.[1]);
}

/** Every .db of the run opens and holds what its format says (no empty or half-created file). */
function expectReadable(runDir: string): Dump {
  const d = dumpRun(runDir, { full: true }) as Dump;
  expect(runViolations(runDir)).toEqual([]);
  for (const sub of ['data/metrics', 'data/histograms', 'data/tensors', 'media']) {
    const dir = join(runDir, sub);
    if (!existsSync(dir)) continue;
    for (const f of readdirSync(dir).filter((n) => n.endsWith('.db'))) {
      expect(readFileSync(join(dir, f)).subarray(0, 15).toString(), `${sub}/${f}`).toBe('SQLite format 3');
    }
  }
  return d;
}

const FULL_ERROR =
  /ERROR {4}\| Cannot write the run's files: the disk is full \(SQLITE_FULL: database or disk is full\) in [^.]+\.db\. Logging goes on: .*flush\(\) rejects while data is dropped\. Free some space and writing resumes by itself\./;

describe('a full disk (injected SQLITE_FULL)', () => {
  it('space comes back: flush() rejects meanwhile, the writer resumes and counts the loss, finish() records a crash', async () => {
    const flag = join(base, 'full-flag');
    const r = await runScript('disk-full.mjs', [base, flag, 'finish']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^BEFORE-RESOLVED$/m);
    expect(r.stdout).toMatch(/^TROUBLE-SEEN$/m);
    const rejected = captured(
      r.stdout,
      /^DURING-REJECTED (\d+) logged rows could not be written \(the disk is full \(SQLITE_FULL: database or disk is full\) in .*\); see logs\/board\.log/m,
    );
    expect(rejected).toBeGreaterThan(0);
    expect(r.stdout).toMatch(/^RECOVERY-SEEN$/m);
    expect(r.stdout).toMatch(/^AFTER-RESOLVED$/m);
    const lost = captured(r.stdout, /^FINISH-REJECTED (\d+) logged rows could not be written/m);
    const [calls, callsWithC] = /^CALLS (\d+) (\d+)$/m.exec(r.stdout)!.slice(1).map(Number);
    expect(callsWithC).toBeGreaterThan(0);
    expect(r.stderr).toMatch(FULL_ERROR);

    const [runDir] = runDirs(base, 'diskfull').filter((d) => d.endsWith('_finish'));
    const boardLog = read(join(runDir, 'logs', 'board.log'));
    expect(boardLog.match(new RegExp(FULL_ERROR.source, 'g'))).toHaveLength(1);
    const resumedAfter = captured(
      boardLog,
      /INFO {5}\| Writing works again; (\d+) logged rows were dropped while it failed\./,
    );
    expect(resumedAfter).toBe(lost);
    expect(boardLog).toContain(
      `| ERROR    | The run is recorded as crashed: ${lost} logged rows could not be written (the disk is full`,
    );
    expect(r.stderr).toContain(`The run is recorded as crashed: ${lost} logged rows could not be written`);

    const d = expectReadable(runDir);
    expect(d.metadata.status).toBe('crashed');
    expect(typeof d.metadata.finished_at).toBe('string');
    // What was committed before the disk filled is all there; so is what was logged after it recovered.
    const a: number[] = d.metrics.a.value;
    expect(a.slice(0, 1000)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(a.slice(-100)).toEqual(Array.from({ length: 100 }, (_, i) => 10_000_000 + i));
    expect(a.every((v, i) => i === 0 || v > a[i - 1])).toBe(true);
    expect(d.metrics.b.value).toEqual(a.map((v) => -v));
    // Every logged row is either stored or counted as lost: a, b and the steps row of each call, and c.
    const stored = d.metrics.a.count + d.metrics.b.count + d.steps.count + (d.metrics.c?.count ?? 0);
    expect(stored + lost).toBe(3 * calls + callsWithC);
  });

  it('still full at the end: finish() settles, the run is crashed, what was committed reads back', async () => {
    const flag = join(base, 'full-flag-end');
    const r = await runScript('disk-full.mjs', [base, flag, 'full']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^DURING-REJECTED \d+ logged rows could not be written/m);
    const lost = captured(r.stdout, /^FINISH-REJECTED (\d+) logged rows could not be written/m);
    expect(r.stdout).toContain('FLAG true');
    const [runDir] = runDirs(base, 'diskfull').filter((d) => d.endsWith('_full'));
    const boardLog = read(join(runDir, 'logs', 'board.log'));
    expect(boardLog).toContain(`The run is recorded as crashed: ${lost} logged rows could not be written`);
    const d = expectReadable(runDir);
    expect(d.metadata.status).toBe('crashed');
    expect(d.metrics.a.value.slice(0, 1000)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    const [calls, callsWithC] = /^CALLS (\d+) (\d+)$/m.exec(r.stdout)!.slice(1).map(Number);
    const stored = d.metrics.a.count + d.metrics.b.count + d.steps.count + (d.metrics.c?.count ?? 0);
    expect(stored + lost).toBe(3 * calls + callsWithC);
  });
});

const tmpfs = mountTmpfs('8m');
describe.runIf('dir' in tmpfs)('a full disk (a real tmpfs of 8 MiB)', () => {
  const dir = 'dir' in tmpfs ? tmpfs.dir : '';
  for (const ending of ['recover', 'full']) {
    it(`${ending === 'recover' ? 'space comes back' : 'still full at the end'}: no silent loss, finish() settles, the run reads back`, async () => {
      const ballast = join(dir, `ballast-${ending}`);
      writeFileSync(ballast, Buffer.alloc(4_000_000, 1));
      const r = await runScript('disk-full-tmpfs.mjs', [dir, ballast, ending]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/^FILL-REJECTED \d+ logged rows could not be written \(the disk is full/m);
      expect(r.stderr).toMatch(/Cannot write the run's files: the disk is full \(SQLITE_FULL/);
      const lost = captured(r.stdout, /^FINISH-REJECTED (\d+) logged rows could not be written/m);
      expect(r.stderr).toContain(`The run is recorded as crashed: ${lost} logged rows could not be written`);
      if (ending === 'recover') expect(r.stdout).toMatch(/^AFTER-RESOLVED$/m);
      const [runDir] = runDirs(dir, 'tmpfs').filter((d) => d.endsWith(`_${ending}`));
      expect(read(join(runDir, 'logs', 'board.log'))).toContain(
        `The run is recorded as crashed: ${lost} logged rows could not be written`,
      );
      const d = expectReadable(runDir);
      expect(d.metadata.status).toBe('crashed');
      expect(typeof d.metadata.finished_at).toBe('string');
      expect(d.metrics.loss.value.slice(0, 1000)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
      if (ending === 'recover') {
        expect(d.metrics.loss.value.slice(-100)).toEqual(
          Array.from({ length: 100 }, (_, i) => 10_000_000 + i),
        );
      }
      rmSync(join(dir, 'tmpfs'), { recursive: true, force: true });
      rmSync(ballast, { force: true });
    });
  }
});
if ('reason' in tmpfs) {
  it.skip(`a full disk on a real tmpfs: skipped, mounting a tmpfs failed (${tmpfs.reason})`, () => {});
}

describe('a base directory where no folder can be made', () => {
  it('under /proc: one clear error at once (no endless mkdir)', async () => {
    const child = startScript('run-folder-error.mjs', ['/proc/kohakuboard-test/runs']);
    const timer = setTimeout(() => child.child.kill('SIGKILL'), 20_000);
    const r = await child.done;
    clearTimeout(timer);
    expect(r.signal).toBeNull();
    expect(r.stdout).toBe(
      'THREW RunFolderError ENOENT Cannot create the folder /proc/kohakuboard-test for the run: /proc does not accept new folders (ENOENT)\n',
    );
  });

  const ro = mountTmpfs('1m', true);
  it.runIf('dir' in ro)('on a read-only file system: one error that says so', async () => {
    const dir = 'dir' in ro ? ro.dir : '';
    const r = await runScript('run-folder-error.mjs', [join(dir, 'runs')]);
    expect(r.stdout).toBe(
      `THREW RunFolderError EROFS Cannot create the folder ${join(dir, 'runs')} for the run: the file system is read-only (EROFS)\n`,
    );
  });
  if ('reason' in ro) {
    it.skip(`on a read-only file system: skipped, mounting a read-only tmpfs failed (${ro.reason})`, () => {});
  }
});
