/**
 * The line format of the files under logs/ (docs/client.md#log-files), the same as the Python logger's with
 * colours off: `HH:MM:SS.mmm | NAME     | LEVEL    | message`, local time, one prefixed line per line of the
 * message.
 */
export type LogLevel = 'TRACE' | 'DEBUG' | 'INFO' | 'SUCCESS' | 'WARNING' | 'ERROR' | 'CRITICAL';

export const LEVEL_ORDER: Record<LogLevel, number> = {
  TRACE: 0,
  DEBUG: 1,
  INFO: 2,
  SUCCESS: 3,
  WARNING: 4,
  ERROR: 5,
  CRITICAL: 6,
};

const two = (n: number) => (n < 10 ? `0${n}` : String(n));

export function formatClock(date: Date): string {
  const ms = date.getMilliseconds();
  return `${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}.${ms < 10 ? '00' : ms < 100 ? '0' : ''}${ms}`;
}

export function linePrefix(date: Date, logger: string, level: LogLevel): string {
  return `${formatClock(date)} | ${logger.slice(0, 8).padEnd(8)} | ${level.padEnd(8)} | `;
}

/** The text of one log entry: every line of the message with the full prefix, each ending in `\n`. */
export function formatLogLines(date: Date, logger: string, level: LogLevel, message: string): string {
  const prefix = linePrefix(date, logger, level);
  let out = '';
  for (const line of message.split(/\r?\n/)) out += `${prefix}${line}\n`;
  return out;
}
