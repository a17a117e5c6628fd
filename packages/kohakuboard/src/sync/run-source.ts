/**
 * Where a log sync request's rows are read from (docs/sync.md#memory-mode-with-sync): the files of a run
 * folder on disk (`kobo sync`, live sync), or the in-memory databases of a memory-mode writer, which drops
 * the rows it has handed to the sync and so counts them as `base` (rows no longer held at the front of a file).
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import {
  listDbFiles,
  listMetricFiles,
  openReadOnly,
  runPaths,
  type SqliteDatabase,
  withReadOnly,
} from '../storage/index.js';

/** One metric or histogram file of a run. */
export interface SourceFile {
  stem: string;
  /** The logged name (metric files; histogram files use their stem). */
  name: string;
  /** Rows sent before and no longer held: row `i` of the run is row `i - base` of this file. */
  base: number;
  read<T>(fn: (db: SqliteDatabase, file: string) => T): T;
}

/** A database held open for the length of one request. */
export interface HeldDatabase {
  db: SqliteDatabase;
  close(): void;
}

export interface RunSource {
  /** The `metadata.json` text and its SHA-256, or null when there is none. */
  metadata(): { hash: string; text: string } | null;
  metadataDb(): HeldDatabase | null;
  /** Metric files in name order. */
  metricFiles(): SourceFile[];
  histogramFiles(): SourceFile[];
  /** `data/tensors/<kvFile>.db`, or null when it does not exist. */
  tensorFile(kvFile: string): HeldDatabase | null;
}

export function sha256Hex(text: string | Uint8Array): string {
  return createHash('sha256').update(text).digest('hex');
}

/** SHA-256 of metadata.json's text and the text; null when the file is missing. */
export function readMetadataText(runDir: string): { hash: string; text: string } | null {
  const file = runPaths(runDir).metadataJson;
  if (!existsSync(file)) return null;
  const text = readFileSync(file, 'utf8');
  return { hash: sha256Hex(text), text };
}

/** A run folder on disk; every file is opened read-only for one read, so a run being written can be read. */
export function diskRunSource(runDir: string): RunSource {
  const paths = runPaths(runDir);
  const onDisk = (file: string, stem: string, name: string): SourceFile => ({
    stem,
    name,
    base: 0,
    read: (fn) => withReadOnly(file, (db) => fn(db, file)),
  });
  const held = (file: string): HeldDatabase | null => (existsSync(file) ? openReadOnly(file) : null);
  return {
    metadata: () => readMetadataText(runDir),
    metadataDb: () => held(paths.metadataDb),
    metricFiles: () => listMetricFiles(runDir).map((m) => onDisk(m.file, basename(m.file, '.db'), m.name)),
    histogramFiles: () =>
      listDbFiles(paths.histogramsDir).map((f) => {
        const stem = f.slice(0, -3);
        return onDisk(join(paths.histogramsDir, f), stem, stem);
      }),
    tensorFile: (kvFile) => held(join(paths.tensorsDir, `${kvFile}.db`)),
  };
}
