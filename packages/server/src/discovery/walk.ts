/**
 * Finding run folders in the data dir (docs/server.md#dropped-runs): `<project>/<run>`, a legacy
 * `<run>` of project `default`, and `users/<owner>/<project>/<run>`. Entries starting with `.` are never
 * looked at; symbolic links are followed only when they resolve inside the data dir; a run is a folder
 * with metadata.json.
 */
import { type Dirent, existsSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { join, sep } from 'node:path';
import { METADATA_FILE } from 'kohakuboard/storage';

export interface FoundRun {
  /** Relative to the data dir, with `/`. */
  folder: string;
  /** The folder name. */
  name: string;
  /** null: the dropped-runs owner; else the owner named by `users/<owner>/`. */
  owner: string | null;
  project: string;
  layout: 'project' | 'legacy' | 'users';
}

const UNSAFE_NAME = /[\u0000-\u001f\u007f\\/]/;

export class DataDirWalker {
  constructor(
    private readonly realDataDir: string,
    private readonly warn: (message: string) => void,
  ) {}

  private insideDataDir(path: string): boolean {
    try {
      const real = realpathSync(path);
      return real.startsWith(this.realDataDir + sep);
    } catch {
      return false;
    }
  }

  /** Sub-folders of `dir` (relative path `rel`), with links leading out of the data dir left out. */
  private subdirs(dir: string, rel: string): string[] {
    let entries: Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return [];
    }
    const out: string[] = [];
    for (const e of entries) {
      if (e.name.startsWith('.') || UNSAFE_NAME.test(e.name)) continue;
      const path = join(dir, e.name);
      if (e.isDirectory()) out.push(e.name);
      else if (e.isSymbolicLink()) {
        if (!this.insideDataDir(path)) {
          this.warn(`skipping ${rel ? `${rel}/` : ''}${e.name}: a link that leads out of the data dir`);
          continue;
        }
        try {
          if (statSync(path).isDirectory()) out.push(e.name);
        } catch {
          /* a dangling link */
        }
      }
    }
    return out.sort();
  }

  private isRun(dir: string): boolean {
    return existsSync(join(dir, METADATA_FILE));
  }

  walk(): FoundRun[] {
    const found: FoundRun[] = [];
    const base = this.realDataDir;
    for (const top of this.subdirs(base, '')) {
      const topDir = join(base, top);
      if (top === 'users') {
        for (const owner of this.subdirs(topDir, 'users')) {
          const ownerDir = join(topDir, owner);
          for (const project of this.subdirs(ownerDir, `users/${owner}`)) {
            const projectDir = join(ownerDir, project);
            for (const run of this.subdirs(projectDir, `users/${owner}/${project}`)) {
              if (this.isRun(join(projectDir, run)))
                found.push({
                  folder: `users/${owner}/${project}/${run}`,
                  name: run,
                  owner,
                  project,
                  layout: 'users',
                });
            }
          }
        }
        continue;
      }
      if (this.isRun(topDir)) {
        found.push({ folder: top, name: top, owner: null, project: 'default', layout: 'legacy' });
        continue;
      }
      for (const run of this.subdirs(topDir, top)) {
        if (this.isRun(join(topDir, run)))
          found.push({ folder: `${top}/${run}`, name: run, owner: null, project: top, layout: 'project' });
      }
    }
    return found;
  }
}
