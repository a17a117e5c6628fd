/**
 * Size on disk of a folder: the allocated bytes of every file below it, found with lstat, so symbolic links
 * count as themselves and are never followed (a link to a large folder elsewhere adds nothing).
 */
import { lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

export function diskUsage(path: string): number {
  let st: ReturnType<typeof lstatSync>;
  try {
    st = lstatSync(path);
  } catch {
    return 0;
  }
  const own = typeof st.blocks === 'number' && st.blocks > 0 ? st.blocks * 512 : st.size;
  if (!st.isDirectory()) return own;
  let total = own;
  let names: string[];
  try {
    names = readdirSync(path);
  } catch {
    return total;
  }
  for (const name of names) total += diskUsage(join(path, name));
  return total;
}

/** 1536 → "1.5 KiB". */
export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${n} B` : `${v.toFixed(v >= 100 ? 0 : 1)} ${units[i]}`;
}
