/**
 * The one containment check of the reader: every file and folder it opens must resolve, through symbolic
 * links, to a path inside the data directory. A run may link to files elsewhere in the data directory (a run
 * folder linked from another project, say); a link that leads out of it is refused with a StorageError
 * ('EOUTSIDE') that names the file, so that no request ever reads what lies beside the data directory.
 * Files are named relative to the data directory in errors: the name says which run and file, and nothing
 * about the machine's layout.
 */
import { lstatSync, realpathSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { StorageError, withFile } from '../storage/index.js';

/** SQLite opens these beside a database, and writes to -shm: they must stay inside too. */
const SQLITE_COMPANIONS = ['-wal', '-shm'];

export class DataRoot {
  /** The data directory as given (absolute), or null: no containment (a single run folder on the CLI). */
  readonly dir: string | null;
  private real: string | null = null;

  constructor(dir: string | null) {
    this.dir = dir === null ? null : resolve(dir);
  }

  /** The real path of the data directory (resolved once; again after a failure). */
  private realDir(): string | null {
    if (this.dir === null) return null;
    if (this.real === null) {
      try {
        this.real = realpathSync(this.dir);
      } catch {
        return this.dir;
      }
    }
    return this.real;
  }

  /** How errors name a file: relative to the data directory when it lies inside it. */
  name(path: string): string {
    if (this.dir === null) return path;
    const rel = relative(this.dir, path);
    return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel.split(sep).join('/') : path;
  }

  /**
   * Whether `path` resolves to a place inside the data directory. A path that does not exist counts as
   * inside (there is nothing to read; the caller finds it missing).
   */
  contains(path: string, missing = true): boolean {
    const root = this.realDir();
    if (root === null) return true;
    let real: string;
    try {
      real = realpathSync(path);
    } catch {
      return missing;
    }
    return real === root || real.startsWith(root + sep);
  }

  /** Throws StorageError('EOUTSIDE') naming the file when `path` resolves outside the data directory. */
  check(path: string): void {
    if (!this.contains(path)) {
      throw new StorageError('EOUTSIDE', this.name(path), 'links to a place outside the data directory');
    }
  }

  /** check() for a SQLite database and the -wal and -shm files SQLite opens beside it. */
  checkDatabase(path: string): void {
    this.check(path);
    for (const suffix of SQLITE_COMPANIONS) {
      const companion = path + suffix;
      let isLink = false;
      try {
        isLink = lstatSync(companion).isSymbolicLink();
      } catch {
        continue;
      }
      // A dangling link counts as outside: SQLite would create its target.
      if (isLink && !this.contains(companion, false)) {
        throw new StorageError(
          'EOUTSIDE',
          this.name(companion),
          'links to a place outside the data directory',
        );
      }
    }
  }

  /** An error about `path` as a StorageError that names it relative to the data directory. */
  errorAbout(err: unknown, path: string): StorageError {
    if (err instanceof StorageError && err.file === path) {
      return new StorageError(err.code, this.name(path), err.problem, { cause: err.cause ?? err });
    }
    return withFile(err, this.name(path));
  }
}

/** No containment: reading a run folder that the user named directly (the CLI). */
export const NO_ROOT = new DataRoot(null);
