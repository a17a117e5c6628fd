/**
 * One log file under logs/ (docs/client.md#log-files): synchronous appends of formatted lines, DEBUG and
 * above. In memory mode the lines are kept in memory instead (docs/client.md#memory-mode).
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { formatLogLines, LEVEL_ORDER, type LogLevel } from './log-line.js';

export class LogFile {
  private fd: number | null = null;
  /** The lines of a memory-mode log (or of a file that could not be opened). */
  readonly memory: string[] = [];

  constructor(
    readonly logger: string,
    readonly path: string | null,
  ) {
    if (path !== null) this.fd = openSync(path, 'a');
  }

  write(level: LogLevel, message: string, date = new Date()): void {
    if (LEVEL_ORDER[level] < LEVEL_ORDER.DEBUG) return;
    const text = formatLogLines(date, this.logger, level, message);
    if (this.fd === null) {
      if (this.path === null) this.memory.push(text);
      return;
    }
    try {
      writeSync(this.fd, text);
    } catch {
      // A full disk must not stop the writer or the training loop; the line is lost.
    }
  }

  debug(message: string): void {
    this.write('DEBUG', message);
  }
  info(message: string): void {
    this.write('INFO', message);
  }
  warning(message: string): void {
    this.write('WARNING', message);
  }
  error(message: string): void {
    this.write('ERROR', message);
  }

  close(): void {
    if (this.fd !== null) {
      try {
        closeSync(this.fd);
      } catch {
        /* already closed */
      }
      this.fd = null;
    }
  }
}
