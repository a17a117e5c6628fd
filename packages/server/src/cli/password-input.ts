/**
 * Reading a password for the CLI: from stdin when asked (or when stdin is not a terminal), else from a
 * prompt on the terminal that does not echo. Never from the command line.
 */
import { readFileSync, readSync } from 'node:fs';

export function readPassword(fromStdin: boolean): string {
  if (fromStdin || !process.stdin.isTTY) return readFileSync(0, 'utf8').replace(/\r?\n$/, '');
  process.stderr.write('Password: ');
  const fd = 0;
  process.stdin.setRawMode(true);
  const chars: string[] = [];
  const buf = Buffer.alloc(4);
  try {
    for (;;) {
      const n = readSyncSafe(fd, buf);
      const ch = buf.subarray(0, n).toString('utf8');
      if (ch === '\r' || ch === '\n') break;
      if (ch === '\u0003') throw new Error('cancelled');
      if (ch === '\u007f') chars.pop();
      else chars.push(ch);
    }
  } finally {
    process.stdin.setRawMode(false);
    process.stderr.write('\n');
  }
  return chars.join('');
}

function readSyncSafe(fd: number, buf: Buffer): number {
  for (;;) {
    try {
      return readSync(fd, buf, 0, buf.length, null);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
    }
  }
}
