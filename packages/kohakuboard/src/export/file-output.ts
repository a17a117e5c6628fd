/**
 * Exporting into a file safely (docs/export.md#output): the bytes go to a temporary file beside the target,
 * which is synced and renamed over the target only when the export succeeded. On any failure (a full disk,
 * a damaged run, Ctrl+C) the temporary file is removed, so the final name never holds a partial export.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream, openSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { Writable } from 'node:stream';
import { isStorageError } from '../storage/index.js';
import { describeIoError, ExportError } from './errors.js';
import {
  type ExportHooks,
  type ExportRequest,
  type ExportResult,
  exportRuns,
  exportToStream,
} from './export-table.js';

/** Temporary files being written, removed if the process is interrupted. */
const inFlight = new Set<string>();

/** Removes every temporary export file of this process (for signal handlers). */
export function removeTemporaryOutputs(): void {
  for (const path of inFlight) rmSync(path, { force: true });
  inFlight.clear();
}

export interface FileOutputOptions {
  /** Opens the stream the bytes are written to (tests inject failing streams); default: the temporary file. */
  createStream?: (tempPath: string, fd: number) => Writable;
}

export async function exportToFile(
  request: ExportRequest,
  outPath: string,
  hooks: ExportHooks = {},
  options: FileOutputOptions = {},
): Promise<ExportResult> {
  const target = resolve(outPath);
  try {
    if (statSync(target).isDirectory())
      throw new ExportError('EUSAGE', `${outPath}: is a directory; give a file name`);
  } catch (err) {
    if (err instanceof ExportError) throw err;
  }
  // Targets first: a wrong target must not leave even a temporary file.
  const runs = exportRuns(request);
  const temp = join(
    dirname(target),
    `.${basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`,
  );
  let fd: number;
  try {
    fd = openSync(temp, 'wx', 0o644);
  } catch (err) {
    throw new ExportError('EWRITE', `${outPath}: cannot write: ${describeIoError(err)}`, { cause: err });
  }
  inFlight.add(temp);
  try {
    // The stream owns the descriptor: it syncs it before closing (flush) and closes it on errors too.
    const stream = options.createStream?.(temp, fd) ?? createWriteStream(temp, { fd, flush: true });
    const closed = new Promise<void>((resolve) => stream.once('close', () => resolve()));
    let result: ExportResult;
    try {
      result = await exportToStream(request, stream, hooks, { runs });
      await closed;
    } catch (err) {
      stream.destroy();
      await closed;
      if (err instanceof ExportError || isStorageError(err)) throw err;
      if (typeof (err as NodeJS.ErrnoException).syscall === 'string') {
        throw new ExportError('EWRITE', `${outPath}: ${describeIoError(err)}`, { cause: err });
      }
      throw err;
    }
    try {
      renameSync(temp, target);
    } catch (err) {
      throw new ExportError('EWRITE', `${outPath}: ${describeIoError(err)}`, { cause: err });
    }
    inFlight.delete(temp);
    return result;
  } finally {
    if (inFlight.has(temp)) {
      rmSync(temp, { force: true });
      inFlight.delete(temp);
    }
  }
}
