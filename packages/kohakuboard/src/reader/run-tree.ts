/**
 * Where the runs are: the directory structure of a data directory in the three layouts of
 * docs/format.md#base-directory, kept up to date by stat-ing only the directories that hold runs (the base,
 * `users/…` and project folders). A folder's modification time changes when an entry is added, removed or
 * renamed in it, so a tick costs one stat per container plus one per pending candidate (a folder whose
 * metadata.json has not appeared yet).
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  DEFAULT_PROJECT,
  METADATA_FILE,
  type RunLayoutKind,
  type RunLocation,
  splitRunFolderName,
} from '../storage/index.js';
import { DataRoot } from './data-root.js';

type ContainerKind = 'base' | 'users' | 'owner' | 'project';

interface Container {
  path: string;
  kind: ContainerKind;
  project: string | null;
  owner: string | null;
  mtimeMs: number;
  /** Sub-folder names seen at the last scan. */
  children: Set<string>;
}

interface Candidate {
  dir: string;
  folder: string;
  project: string;
  layout: RunLayoutKind;
  owner: string | null;
}

export interface TreeChanges {
  added: RunLocation[];
  removed: string[];
}

/** Sub-folders of `dir`; a link counts when it leads to a folder inside the data directory. */
function subdirNames(dir: string, root: DataRoot): string[] | null {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((e) => {
        if (e.isDirectory()) return true;
        if (!e.isSymbolicLink()) return false;
        const path = join(dir, e.name);
        try {
          return statSync(path).isDirectory() && root.contains(path, false);
        } catch {
          return false;
        }
      })
      .map((e) => e.name)
      .sort();
  } catch {
    return null;
  }
}

function mtimeOf(path: string): number | null {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return null;
  }
}

const isRunDir = (dir: string) => existsSync(join(dir, METADATA_FILE));

function toLocation(c: Candidate): RunLocation {
  const { runId, annotation } = splitRunFolderName(c.folder);
  return {
    project: c.project,
    dir: c.dir,
    folder: c.folder,
    runId,
    annotation,
    layout: c.layout,
    owner: c.owner,
  };
}

export class RunTree {
  private readonly containers = new Map<string, Container>();
  /** Run folders by path. */
  private readonly runs = new Map<string, Candidate>();
  /** Folders that may become runs once their metadata.json appears. */
  private readonly pending = new Map<string, Candidate>();

  private readonly root: DataRoot;

  constructor(readonly baseDir: string) {
    this.root = new DataRoot(baseDir);
  }

  /** Paths of the folders whose entries hold runs (for file-system notifications). */
  containerPaths(): string[] {
    return [...this.containers.keys()];
  }

  get containerCount(): number {
    return this.containers.size;
  }

  /** Scans everything; returns the runs found (the first scan) or the difference to what was known. */
  scan(): TreeChanges {
    const changes: TreeChanges = { added: [], removed: [] };
    if (!this.containers.has(this.baseDir)) this.addContainer(this.baseDir, 'base', null, null, changes);
    else this.rescan(this.containers.get(this.baseDir)!, changes);
    return changes;
  }

  /**
   * One tick: re-lists only containers whose modification time changed and re-checks pending candidates.
   */
  refresh(): TreeChanges {
    const changes: TreeChanges = { added: [], removed: [] };
    for (const c of [...this.containers.values()]) {
      if (!this.containers.has(c.path)) continue; // removed during this tick
      const m = mtimeOf(c.path);
      if (m === null) {
        if (c.kind === 'base') this.clearBelow(c, changes);
        else this.dropContainer(c, changes);
        continue;
      }
      if (m !== c.mtimeMs) this.rescan(c, changes);
    }
    for (const cand of [...this.pending.values()]) {
      if (isRunDir(cand.dir)) {
        this.pending.delete(cand.dir);
        this.addRun(cand, changes);
      }
    }
    return changes;
  }

  /** A run folder lost its metadata.json (but the folder stays): forget it, and watch for its return. */
  demote(dir: string): void {
    const cand = this.runs.get(dir);
    if (!cand) return;
    this.runs.delete(dir);
    this.pending.set(dir, cand);
  }

  /** A folder renamed by this process (PATCH): move the run without reporting remove/add. */
  rename(oldDir: string, newDir: string, folder: string): RunLocation | null {
    const cand = this.runs.get(oldDir);
    if (!cand) return null;
    this.runs.delete(oldDir);
    const moved = { ...cand, dir: newDir, folder };
    this.runs.set(newDir, moved);
    const parent = [...this.containers.values()].find(
      (c) => c.children.has(cand.folder) && join(c.path, cand.folder) === oldDir,
    );
    if (parent) {
      parent.children.delete(cand.folder);
      parent.children.add(folder);
      parent.mtimeMs = mtimeOf(parent.path) ?? parent.mtimeMs;
    }
    return toLocation(moved);
  }

  private addContainer(
    path: string,
    kind: ContainerKind,
    project: string | null,
    owner: string | null,
    changes: TreeChanges,
  ): void {
    const c: Container = { path, kind, project, owner, mtimeMs: mtimeOf(path) ?? 0, children: new Set() };
    this.containers.set(path, c);
    this.rescan(c, changes, true);
  }

  private rescan(c: Container, changes: TreeChanges, fresh = false): void {
    c.mtimeMs = mtimeOf(c.path) ?? c.mtimeMs;
    const names = subdirNames(c.path, this.root) ?? [];
    const now = new Set(names);
    if (!fresh) {
      for (const old of c.children) if (!now.has(old)) this.removeChild(c, old, changes);
    }
    for (const name of names) if (fresh || !c.children.has(name)) this.addChild(c, name, changes);
    c.children = now;
  }

  private addChild(c: Container, name: string, changes: TreeChanges): void {
    const path = join(c.path, name);
    switch (c.kind) {
      case 'base':
        if (isRunDir(path)) {
          this.addRun(
            { dir: path, folder: name, project: DEFAULT_PROJECT, layout: 'legacy', owner: null },
            changes,
          );
        } else if (name === 'users') {
          this.addContainer(path, 'users', null, null, changes);
        } else {
          this.addContainer(path, 'project', name, null, changes);
          // An empty folder under the base may still become a legacy run folder.
          this.pending.set(path, {
            dir: path,
            folder: name,
            project: DEFAULT_PROJECT,
            layout: 'legacy',
            owner: null,
          });
        }
        return;
      case 'users':
        this.addContainer(path, 'owner', null, name, changes);
        return;
      case 'owner':
        this.addContainer(path, 'project', name, c.owner, changes);
        return;
      case 'project': {
        const cand: Candidate = {
          dir: path,
          folder: name,
          project: c.project!,
          layout: c.owner === null ? 'project' : 'users',
          owner: c.owner,
        };
        if (isRunDir(path)) this.addRun(cand, changes);
        else this.pending.set(path, cand);
      }
    }
  }

  private addRun(cand: Candidate, changes: TreeChanges): void {
    if (this.runs.has(cand.dir)) return;
    // A base-level folder that turned out to be a legacy run is not a project.
    if (cand.layout === 'legacy') {
      const asProject = this.containers.get(cand.dir);
      if (asProject) this.dropContainer(asProject, changes);
    }
    this.runs.set(cand.dir, cand);
    changes.added.push(toLocation(cand));
  }

  private removeChild(c: Container, name: string, changes: TreeChanges): void {
    const path = join(c.path, name);
    this.pending.delete(path);
    if (this.runs.delete(path)) changes.removed.push(path);
    const sub = this.containers.get(path);
    if (sub) this.dropContainer(sub, changes);
  }

  private clearBelow(c: Container, changes: TreeChanges): void {
    for (const name of c.children) this.removeChild(c, name, changes);
    c.children.clear();
  }

  private dropContainer(c: Container, changes: TreeChanges): void {
    this.containers.delete(c.path);
    this.pending.delete(c.path);
    this.clearBelow(c, changes);
  }
}
