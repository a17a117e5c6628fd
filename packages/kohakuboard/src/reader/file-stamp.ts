/**
 * Size, modification time and identity of a file: what change detection compares
 * (docs/format.md#change-detection).
 */
import { statSync } from 'node:fs';

export interface FileStamp {
  size: number;
  mtimeMs: number;
  ino: number;
}

/** The stamp of a file, or null when it does not exist (or cannot be stat-ed). */
export function fileStamp(path: string): FileStamp | null {
  try {
    const st = statSync(path, { throwIfNoEntry: false });
    if (!st) return null;
    return { size: st.size, mtimeMs: st.mtimeMs, ino: st.ino };
  } catch {
    return null;
  }
}

export function sameStamp(a: FileStamp | null, b: FileStamp | null): boolean {
  if (a === null || b === null) return a === b;
  return a.size === b.size && a.mtimeMs === b.mtimeMs && a.ino === b.ino;
}

/** A short text form of a stamp, usable in cache keys and ETags. */
export function stampTag(s: FileStamp | null): string {
  return s ? `${s.ino.toString(36)}.${s.size.toString(36)}.${Math.round(s.mtimeMs).toString(36)}` : '-';
}
