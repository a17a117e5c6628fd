/**
 * One importer per destination: a lock file holding the importing process's id. Two importers writing the
 * same run folders would corrupt them (a ColumnVault file has one writer). A lock left by a process that no
 * longer runs is taken over.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const LOCK_FILE = '.tensorboard-import.lock';

export class ImportLockedError extends Error {
  readonly code = 'ELOCKED';

  constructor(
    readonly dir: string,
    readonly pid: number,
  ) {
    super(`${dir}: another kobo process (pid ${pid}) is importing into this folder`);
    this.name = 'ImportLockedError';
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface ImportLock {
  release(): void;
}

/** Takes the lock of `dir` (which must exist). Throws ImportLockedError when a live process holds it. */
export function acquireImportLock(dir: string): ImportLock {
  const path = join(dir, LOCK_FILE);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      writeFileSync(path, `${process.pid}\n`, { flag: 'wx' });
      let held = true;
      return {
        release() {
          if (held) rmSync(path, { force: true });
          held = false;
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const pid = Number.parseInt(readFileSync(path, 'utf8'), 10);
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid))
      throw new ImportLockedError(dir, pid);
    rmSync(path, { force: true }); // left by a process that ended
  }
  throw new Error(`${join(dir, LOCK_FILE)}: cannot take the import lock`);
}
