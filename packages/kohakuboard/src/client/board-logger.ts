/**
 * The board's own log (docs/client.md#log-files): logs/board.log (logger BOARD, DEBUG and above, synchronous
 * appends on the board's thread) and the console (INFO and above, on the original stderr, coloured on a TTY).
 * Warnings about bad logged values are given once per key.
 */
import { LogFile } from '../writer/log-file.js';
import { LEVEL_ORDER, type LogLevel, linePrefix } from '../writer/log-line.js';
import { writeUncapturedStderr } from './output-capture.js';

const COLOURS: Partial<Record<LogLevel, string>> = {
  DEBUG: '\x1b[34m',
  INFO: '\x1b[1m',
  SUCCESS: '\x1b[32m',
  WARNING: '\x1b[33m',
  ERROR: '\x1b[31m',
  CRITICAL: '\x1b[41m',
};

export class BoardLogger {
  private readonly file: LogFile;
  private readonly warnedKeys = new Set<string>();
  private readonly consoleQuietUntil = new Map<string, number>();

  constructor(path: string | null) {
    this.file = new LogFile('BOARD', path);
  }

  log(level: LogLevel, message: string): void {
    const now = new Date();
    this.file.write(level, message, now);
    if (LEVEL_ORDER[level] < LEVEL_ORDER.INFO) return;
    const tty = Boolean(process.stderr.isTTY);
    let prefix = linePrefix(now, 'BOARD', level);
    if (tty && COLOURS[level]) prefix = `${COLOURS[level]}${prefix}\x1b[0m`;
    let text = '';
    for (const line of message.split(/\r?\n/)) text += `${prefix}${line}\n`;
    writeUncapturedStderr(text);
  }

  /** A line for board.log only (the console already shows it, e.g. an uncaught error Node prints itself). */
  fileOnly(level: LogLevel, message: string): void {
    this.file.write(level, message);
  }

  debug(message: string): void {
    this.log('DEBUG', message);
  }
  info(message: string): void {
    this.log('INFO', message);
  }
  warning(message: string): void {
    this.log('WARNING', message);
  }
  error(message: string): void {
    this.log('ERROR', message);
  }

  /**
   * A line for board.log every time, but on the console at most once per `quietMs` for the same `topic`:
   * a loop that keeps outrunning the writer would otherwise print the same queue notices many times a second.
   */
  throttled(topic: string, level: LogLevel, message: string, quietMs = 60_000): void {
    const now = Date.now();
    if (now < (this.consoleQuietUntil.get(topic) ?? 0)) {
      this.fileOnly(level, message);
      return;
    }
    this.consoleQuietUntil.set(topic, now + quietMs);
    this.log(level, message);
  }

  /** A WARNING the first time `key` has a problem; later problems of the same key are silent. */
  warnOnce(key: string, message: string): void {
    if (this.warnedKeys.has(key)) return;
    this.warnedKeys.add(key);
    this.warning(message);
  }

  /** The lines of a memory-mode log. */
  get memoryLines(): readonly string[] {
    return this.file.memory;
  }

  close(): void {
    this.file.close();
  }

  /** The text of a board.log kept in memory (memory mode); null when it goes to a file. */
  memoryText(): string | null {
    return this.file.path === null ? this.file.memory.join('') : null;
  }
}
