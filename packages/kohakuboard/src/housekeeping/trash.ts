/**
 * `kobo rm` and `kobo restore` (docs/export.md#rm-and-restore): a removed run is moved, by one rename, into
 * `<data dir>/.trash/<entry>/`, beside a note of where it came from, and a restore renames it back. Nothing
 * is copied, so a round trip gives back the very same files. `--purge` deletes instead. Symbolic links are
 * never followed: a link is moved or deleted as a link, and a run reached through a link that leads out of
 * the data directory is refused.
 */
import { randomBytes } from 'node:crypto';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmdirSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { diskUsage } from './disk-usage.js';
import { HousekeepingError } from './errors.js';
import { finishInterruptedPrune } from './prune-journal.js';
import { DEFAULT_STALE_AFTER_MS, isInside, refuseIfRunning, requireRunDir } from './run-state.js';

export const TRASH_DIR = '.trash';
const NOTE = 'trash.json';

export interface TrashEntry {
  id: string;
  /** Where the run was, relative to the data directory (with /). */
  from: string;
  removedAt: string;
  size: number;
  /** The trashed run folder (or link). */
  path: string;
}

const hasRuns = (dir: string) => {
  try {
    return readdirSync(dir, { withFileTypes: true }).some(
      (e) =>
        e.isDirectory() &&
        !e.name.startsWith('.') &&
        readdirSync(join(dir, e.name)).some((n) => existsSync(join(dir, e.name, n, 'metadata.json'))),
    );
  } catch {
    return false;
  }
};

/**
 * The data directory a run belongs to: --data-dir, else $KOHAKU_BOARD_DATA_DIR or ./kohakuboard when the run
 * is inside it, else from the layout: the nearest folder above that already has a .trash, else the base of
 * `<base>/users/<owner>/<project>/<run>`, of a legacy `<base>/<run>` (a base holds project folders) or of
 * `<base>/<project>/<run>`.
 */
export function dataDirOf(runDir: string, explicit?: string): string {
  const candidates = [
    explicit,
    process.env.KOHAKU_BOARD_DATA_DIR || undefined,
    resolve('kohakuboard'),
  ].filter((d): d is string => d !== undefined && existsSync(d));
  const parent = dirname(runDir);
  if (explicit) {
    const dir = resolve(explicit);
    if (!existsSync(dir)) throw new HousekeepingError('EUSAGE', `--data-dir ${explicit}: no such directory`);
    return dir;
  }
  for (const c of candidates) if (isInside(c, parent) && resolve(c) !== resolve(runDir)) return resolve(c);
  for (let d = parent; d !== dirname(d); d = dirname(d)) if (existsSync(join(d, TRASH_DIR))) return d;
  const owner = dirname(parent);
  if (basename(dirname(owner)) === 'users') return dirname(dirname(owner));
  if (hasRuns(parent)) return parent;
  return dirname(parent);
}

/** Deletes a tree without following any symbolic link (a link is removed as a link). */
export function removeTree(path: string): void {
  const st = lstatSync(path);
  if (st.isDirectory()) {
    for (const name of readdirSync(path)) removeTree(join(path, name));
    rmdirSync(path);
  } else {
    unlinkSync(path);
  }
}

function entryId(folder: string): string {
  const stamp = new Date()
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `${stamp}-${folder}-${randomBytes(3).toString('hex')}`;
}

export interface RemoveOptions {
  purge?: boolean;
  dataDir?: string;
  staleAfterMs?: number;
}

/** Moves a run into the trash (or deletes it with purge). Returns the trash entry, or null when purged. */
export function removeRun(given: string, options: RemoveOptions = {}): TrashEntry | null {
  const runDir = requireRunDir(given);
  const isLink = lstatSync(runDir).isSymbolicLink();
  const dataDir = dataDirOf(runDir, options.dataDir);
  // The folder holding the run must itself lie in the data directory: a link higher up that leads
  // elsewhere would make the rename (or the delete) act outside it.
  if (!isInside(dataDir, dirname(runDir)) || (!isLink && !isInside(dataDir, runDir))) {
    throw new HousekeepingError(
      'EUSAGE',
      `${given}: outside the data directory ${dataDir} (through a symbolic link); not touching it`,
    );
  }
  if (!isLink) {
    finishInterruptedPrune(runDir, given);
    refuseIfRunning(
      runDir,
      given,
      options.purge ? 'rm --purge' : 'rm',
      options.staleAfterMs ?? DEFAULT_STALE_AFTER_MS,
    );
  }
  if (options.purge) {
    removeTree(runDir);
    return null;
  }
  const from = relative(realpathSync(dataDir), join(realpathSync(dirname(runDir)), basename(runDir)))
    .split(sep)
    .join('/');
  const id = entryId(basename(runDir));
  const entryDir = join(dataDir, TRASH_DIR, id);
  mkdirSync(entryDir, { recursive: true });
  const size = isLink ? 0 : diskUsage(runDir);
  const removedAt = new Date().toISOString();
  writeFileSync(join(entryDir, NOTE), `${JSON.stringify({ from, removed_at: removedAt, size }, null, 2)}\n`);
  const path = join(entryDir, basename(runDir));
  try {
    renameSync(runDir, path);
  } catch (err) {
    removeTree(entryDir);
    const code = (err as NodeJS.ErrnoException).code;
    throw new HousekeepingError(
      'EFAIL',
      code === 'EXDEV'
        ? `${given}: the run is on another file system than ${join(dataDir, TRASH_DIR)}; use --purge to delete it`
        : `${given}: cannot move it to the trash: ${(err as Error).message}`,
      { cause: err },
    );
  }
  return { id, from, removedAt, size, path };
}

/** The trash entries of a data directory, oldest first. */
export function listTrash(dataDir: string): TrashEntry[] {
  const trash = join(dataDir, TRASH_DIR);
  let ids: string[];
  try {
    ids = readdirSync(trash).sort();
  } catch {
    return [];
  }
  const out: TrashEntry[] = [];
  for (const id of ids) {
    try {
      const note = JSON.parse(readFileSync(join(trash, id, NOTE), 'utf8')) as {
        from: string;
        removed_at: string;
        size: number;
      };
      const folder = note.from.split('/').pop()!;
      out.push({
        id,
        from: note.from,
        removedAt: note.removed_at,
        size: note.size,
        path: join(trash, id, folder),
      });
    } catch {
      /* not an entry of ours */
    }
  }
  return out;
}

/** Puts a trashed run back where it was. `which` is an entry id or the run's original path (latest entry). */
export function restoreRun(dataDir: string, which: string): TrashEntry {
  const entries = listTrash(dataDir);
  const wanted = which.replace(/\/+$/, '');
  const entry =
    entries.find((e) => e.id === basename(wanted)) ??
    [...entries]
      .reverse()
      .find((e) => e.from === wanted || e.from === relative(dataDir, resolve(wanted)).split(sep).join('/'));
  if (!entry)
    throw new HousekeepingError(
      'ENOTRUN',
      `${which}: not in the trash of ${dataDir} (kobo restore --list shows what is)`,
    );
  const target = join(dataDir, ...entry.from.split('/'));
  if (
    existsSync(target) ||
    (() => {
      try {
        lstatSync(target);
        return true;
      } catch {
        return false;
      }
    })()
  ) {
    throw new HousekeepingError('EFAIL', `${target}: already exists; move it away first`);
  }
  mkdirSync(dirname(target), { recursive: true });
  if (!isInside(dataDir, dirname(target))) {
    throw new HousekeepingError(
      'EUSAGE',
      `${target}: outside the data directory ${dataDir} (through a symbolic link); not restoring`,
    );
  }
  renameSync(entry.path, target);
  removeTree(dirname(entry.path));
  return { ...entry, path: target };
}

export const isDirectory = (p: string) => {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
};
