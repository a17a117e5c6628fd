/**
 * logs/output.log (docs/client.md#output-capture): settled rows of both streams in settle order, then the
 * live rows of stdout and of stderr (each non-empty row with its prefix), the last one without a final
 * newline. Settled rows are written at once; a change of the live rows alone is written at most every 250 ms
 * and at every commit. In memory mode the same text is kept in memory.
 */
import { closeSync, ftruncateSync, openSync, writeSync } from 'node:fs';
import { TerminalScreen } from './terminal-screen.js';

const TAIL_INTERVAL_MS = 250;
const STDERR_PREFIX = '[STDERR] ';

export class OutputLog {
  private readonly screens = { stdout: new TerminalScreen(), stderr: new TerminalScreen() };
  private fd: number | null = null;
  /** Bytes of settled content in the file. */
  private settledBytes = 0;
  /** The settled text of a memory-mode log. */
  private memorySettled: string[] = [];
  private tail = '';
  private tailDirty = false;
  /** Settled rows were written over the old live rows: the tail must be rewritten at the next refresh. */
  private tailOverwritten = false;
  private lastTailWrite = 0;

  /** Creates the file empty (or, with path null, keeps everything in memory). */
  constructor(readonly path: string | null) {
    if (path !== null) this.fd = openSync(path, 'w+');
  }

  /** Feeds one captured chunk; the writer calls `refresh` after each batch of chunks. */
  write(stream: 'stdout' | 'stderr', data: string | Uint8Array): void {
    const screen = this.screens[stream];
    screen.write(data);
    const rows = screen.takeSettled();
    this.tailDirty = true;
    if (rows.length > 0) {
      this.appendSettled(rows, stream);
      this.tailOverwritten = true;
    }
  }

  /**
   * Writes the live rows if they changed: at most every 250 ms, unless forced (commits force it) or settled
   * rows were just written over them.
   */
  refresh(now: number, force: boolean): void {
    if (!this.tailDirty) return;
    if (!force && !this.tailOverwritten && now - this.lastTailWrite < TAIL_INTERVAL_MS) return;
    this.tailDirty = false;
    this.tailOverwritten = false;
    this.lastTailWrite = now;
    const live: string[] = [];
    for (const r of this.screens.stdout.liveRows()) if (r !== '') live.push(r);
    for (const r of this.screens.stderr.liveRows()) if (r !== '') live.push(STDERR_PREFIX + r);
    this.tail = live.join('\n');
    if (this.fd === null) return;
    const bytes = Buffer.from(this.tail, 'utf8');
    writeSync(this.fd, bytes, 0, bytes.length, this.settledBytes);
    ftruncateSync(this.fd, this.settledBytes + bytes.length);
  }

  /** The time at which a pending live-row change is due, or null. */
  dueAt(): number | null {
    if (!this.tailDirty) return null;
    return this.tailOverwritten ? 0 : this.lastTailWrite + TAIL_INTERVAL_MS;
  }

  /** Settles every row of both streams (stdout first); the file then ends with a newline. */
  finish(): void {
    this.appendSettled(this.screens.stdout.settleAll(), 'stdout');
    this.appendSettled(this.screens.stderr.settleAll(), 'stderr');
    this.tailDirty = true;
    this.refresh(0, true);
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }

  /** The whole content (memory mode, and tests). */
  text(): string {
    return this.memorySettled.join('') + this.tail;
  }

  private appendSettled(rows: string[], stream: 'stdout' | 'stderr'): void {
    if (rows.length === 0) return;
    const prefix = stream === 'stderr' ? STDERR_PREFIX : '';
    let text = '';
    for (const r of rows) text += `${prefix}${r}\n`;
    if (this.fd === null) {
      this.memorySettled.push(text);
      return;
    }
    const bytes = Buffer.from(text, 'utf8');
    writeSync(this.fd, bytes, 0, bytes.length, this.settledBytes);
    this.settledBytes += bytes.length;
  }
}
