/**
 * A set of non-recursive file-system watchers kept equal to a wanted set of directories. Notifications only
 * make the owner look sooner; polling remains the source of truth, so a watcher that fails is dropped quietly.
 */
import { type FSWatcher, watch } from 'node:fs';

export class WatchSet {
  private readonly watchers = new Map<string, FSWatcher>();

  constructor(
    private readonly onNotify: (dir: string, file: string | null) => void,
    readonly limit = 1024,
  ) {}

  get size(): number {
    return this.watchers.size;
  }

  /** Watches exactly `dirs` (up to the limit); stops watching the others. */
  sync(dirs: Iterable<string>): void {
    const wanted = new Set<string>();
    for (const d of dirs) {
      if (wanted.size >= this.limit) break;
      wanted.add(d);
    }
    for (const [dir, w] of this.watchers) {
      if (!wanted.has(dir)) {
        w.close();
        this.watchers.delete(dir);
      }
    }
    for (const dir of wanted) if (!this.watchers.has(dir)) this.add(dir);
  }

  private add(dir: string): void {
    try {
      const w = watch(dir, { persistent: false }, (_event, file) =>
        this.onNotify(dir, file ? String(file) : null),
      );
      w.on('error', () => {
        w.close();
        this.watchers.delete(dir);
      });
      this.watchers.set(dir, w);
    } catch {
      /* missing or unwatchable: polling covers it */
    }
  }

  close(): void {
    for (const w of this.watchers.values()) w.close();
    this.watchers.clear();
  }
}
