/**
 * How prune replaces a run's files so that an interruption (a crash, kill -9, a full disk) leaves either
 * the old run or the new one (docs/export.md#prune-safety):
 *
 * 1. the new versions of the changed files are written into `<run>/.kobo-prune/stage/`, synced, closed;
 * 2. a journal naming the files to replace and to remove is written and renamed into place: the commit;
 * 3. each staged file is renamed over its original (the original's -wal and -shm removed first), removed
 *    files are deleted, and the staging folder goes.
 *
 * Before the commit nothing of the run has changed and an interrupted prune is rolled back (the staging
 * folder is removed); after it, the next kobo command on the run rolls it forward (step 3 is repeated for
 * what is left). Readers ignore the staging folder.
 */
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { HousekeepingError } from './errors.js';

export const STAGING_DIR = '.kobo-prune';
const OWNER = 'owner.json';
const JOURNAL = 'journal.json';

export interface Journal {
  replace: string[];
  remove: string[];
}

export const stagingDir = (runDir: string) => join(runDir, STAGING_DIR);
export const stagedPath = (runDir: string, rel: string) => join(runDir, STAGING_DIR, 'stage', rel);

function syncPath(path: string): void {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return;
  }
  try {
    fsyncSync(fd);
  } catch {
    /* some file systems cannot sync a directory; the rename order still holds */
  } finally {
    closeSync(fd);
  }
}

function writeSynced(path: string, text: string): void {
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, text);
  syncPath(tmp);
  renameSync(tmp, path);
  syncPath(dirname(path));
}

function alive(pid: number): boolean {
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function ownerOf(runDir: string): number | null {
  try {
    const o = JSON.parse(readFileSync(join(stagingDir(runDir), OWNER), 'utf8')) as { pid?: unknown };
    return typeof o.pid === 'number' ? o.pid : null;
  } catch {
    return null;
  }
}

/** Renames a staged file over its original, or deletes a removed one; repeatable. */
function applyEntry(runDir: string, rel: string, remove: boolean): void {
  const target = join(runDir, rel);
  // The original's -wal must never be replayed into the new file.
  rmSync(`${target}-wal`, { force: true });
  rmSync(`${target}-shm`, { force: true });
  if (remove) {
    rmSync(target, { force: true });
    return;
  }
  const staged = stagedPath(runDir, rel);
  if (existsSync(staged)) renameSync(staged, target);
}

/** Step 3: puts the committed files in place, then removes the staging folder. */
export function applyJournal(runDir: string, journal: Journal, onStep?: (line: string) => void): void {
  const dirs = new Set<string>();
  for (const rel of journal.replace) {
    applyEntry(runDir, rel, false);
    dirs.add(dirname(join(runDir, rel)));
    onStep?.(`replaced ${rel}`);
  }
  for (const rel of journal.remove) {
    applyEntry(runDir, rel, true);
    dirs.add(dirname(join(runDir, rel)));
    onStep?.(`removed ${rel}`);
  }
  for (const d of dirs) syncPath(d);
  rmSync(stagingDir(runDir), { recursive: true, force: true });
}

/**
 * Finishes what an interrupted prune left: rolled forward when it had committed, else rolled back.
 * Refuses while the prune that owns the staging folder is still running.
 */
export function finishInterruptedPrune(runDir: string, given = runDir): 'none' | 'rolled-back' | 'completed' {
  const dir = stagingDir(runDir);
  if (!existsSync(dir)) return 'none';
  const pid = ownerOf(runDir);
  if (pid !== null && alive(pid)) {
    throw new HousekeepingError('EBUSY', `${given}: another kobo prune (pid ${pid}) is working on this run`);
  }
  let journal: Journal | null = null;
  try {
    journal = JSON.parse(readFileSync(join(dir, JOURNAL), 'utf8')) as Journal;
  } catch {
    journal = null;
  }
  if (journal) {
    applyJournal(runDir, journal);
    return 'completed';
  }
  rmSync(dir, { recursive: true, force: true });
  return 'rolled-back';
}

/** Step 1 begins: the staging folder, owned by this process (exclusive: one prune per run at a time). */
export function beginStaging(runDir: string, given: string): void {
  const dir = stagingDir(runDir);
  try {
    mkdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new HousekeepingError('EBUSY', `${given}: another kobo prune is working on this run`);
    }
    throw err;
  }
  writeFileSync(join(dir, OWNER), JSON.stringify({ pid: process.pid }));
  mkdirSync(join(dir, 'stage'));
}

/** Step 2: the commit. */
export function commitJournal(runDir: string, journal: Journal): void {
  for (const rel of journal.replace) syncPath(stagedPath(runDir, rel));
  writeSynced(join(stagingDir(runDir), JOURNAL), JSON.stringify(journal));
}

/** Gives up before the commit: the run is as it was. */
export function abandonStaging(runDir: string): void {
  rmSync(stagingDir(runDir), { recursive: true, force: true });
}
