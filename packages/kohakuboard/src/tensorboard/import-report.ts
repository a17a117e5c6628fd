/**
 * What an import reports: warnings (values with a code, the file and the offset) and the counts of one pass
 * over a run, by kind of data.
 */
import type { ImportBatch } from './import-batch.js';
import type { MappedKind } from './summary-mapping.js';

export type ImportWarningCode =
  /** Damaged TFRecord framing: a bad CRC, an impossible length, data that is not TFRecord. */
  | 'EDAMAGED'
  /** A record whose event (or a value in it) cannot be decoded. */
  | 'EDECODE'
  /** A summary plugin this importer does not know. */
  | 'EPLUGIN'
  /** An event file that is shorter than what was imported, or starts with another record. */
  | 'EREPLACED'
  /** The run folder the run maps to holds something else. */
  | 'ECONFLICT';

export interface ImportWarning {
  code: ImportWarningCode;
  /** The file (or folder) the warning is about. */
  file: string;
  /** Byte offset in the file, when the warning is about one place in it. */
  offset: number | null;
  message: string;
}

export interface ImportTarget {
  /** The log directory's real path. */
  logDir: string;
  project: string;
  projectDir: string;
}

export interface RunPassStats {
  run: string;
  runDir: string;
  /** Events read in this pass. */
  events: number;
  /** Bytes of event files read in this pass. */
  bytes: number;
  /** Names with rows added in this pass, per kind, and the row counts. */
  names: Record<MappedKind, Set<string>>;
  rows: Record<MappedKind, number>;
  /** Values and events that are not imported, by kind. */
  skipped: Map<string, number>;
  /** True when the pass stopped at its event budget with more to read. */
  more: boolean;
  /** True when the run folder does not belong to this run (nothing was imported). */
  conflict: boolean;
}

export interface RunImportHooks {
  warn(warning: ImportWarning): void;
  /** Called after each record with the bytes and events read so far in this pass. */
  progress?(bytes: number, events: number): void;
  now?(): number;
}

/** Counts of a pass that has not read anything yet. */
export function emptyPassStats(run: string, runDir: string, conflict: boolean): RunPassStats {
  return {
    run,
    runDir,
    events: 0,
    bytes: 0,
    names: emptyKinds(() => new Set<string>()),
    rows: emptyKinds(() => 0),
    skipped: new Map(),
    more: false,
    conflict,
  };
}

const emptyKinds = <T>(make: () => T): Record<MappedKind, T> => ({
  scalars: make(),
  histograms: make(),
  images: make(),
  audio: make(),
  text: make(),
});

/** Adds a batch's rows and names, per kind, to the pass's counts. */
export function countRows(stats: RunPassStats, batch: ImportBatch): void {
  const add = (kind: MappedKind, name: string, rows = 1) => {
    stats.names[kind].add(name);
    stats.rows[kind] += rows;
  };
  for (const [name, rows] of batch.metrics) add('scalars', name, rows.n);
  for (const h of batch.histograms.values()) for (const row of h.rows) add('histograms', row.name);
  for (const m of batch.media) add(m.type === 'audio' ? 'audio' : 'images', m.name);
  for (const t of batch.tables) add('text', t.name);
}

export function countSkipped(stats: RunPassStats, what: string): void {
  stats.skipped.set(what, (stats.skipped.get(what) ?? 0) + 1);
}
