/**
 * Shared by the housekeeping commands: option parsers, errors mapped to exit codes, aligned text tables.
 */
import { InvalidArgumentError } from 'commander';
import { HousekeepingError } from '../../housekeeping/index.js';
import { isStorageError } from '../../storage/index.js';
import { CliError } from '../errors.js';

export function wholeNumber(what: string) {
  return (value: string) => {
    const n = Number(value);
    if (!Number.isSafeInteger(n)) throw new InvalidArgumentError(`${what} must be a whole number`);
    return n;
  };
}

export function seconds(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError('must be a number of seconds >= 0');
  return n;
}

/** Runs a command body, turning housekeeping and storage errors into one-line CLI errors. */
export async function withCliErrors<T>(fn: () => T | Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof HousekeepingError) throw new CliError(err.message, err.exitCode);
    if (isStorageError(err)) throw new CliError(err.message, err.code === 'ENOTRUN' ? 2 : 1);
    throw err;
  }
}

/** Left-aligned columns separated by two spaces; `right` names columns aligned right. */
export function textTable(
  header: string[],
  rows: string[][],
  right: ReadonlySet<number> = new Set(),
): string {
  const width = header.map((h, i) => Math.max(h.length, ...rows.map((r) => [...r[i]].length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => {
        const pad = ' '.repeat(width[i] - [...c].length);
        return right.has(i) ? pad + c : i === cells.length - 1 ? c : c + pad;
      })
      .join('  ')
      .trimEnd();
  return `${[line(header), ...rows.map(line)].join('\n')}\n`;
}

/** "2025-11-20 09:12:30Z", or "-" for no time. */
export function shortTime(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return '-';
  return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')}Z`;
}

export function clip(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}
