/**
 * How far a run folder has imported its TensorBoard run (docs/tensorboard.md#incremental-import): a small JSON
 * file in the run folder, which the project's readers ignore. Every data file of the run also tells how far
 * it got (the step of its last row), so a batch that reached some files before the import stopped is
 * completed, not written twice, when it is read again with the same steps.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../storage/index.js';
import type { FileCursor } from './record-reader.js';

export const IMPORT_STATE_FILE = 'tensorboard-import.json';
export const IMPORT_STATE_FORMAT = 'kohakuboard-tensorboard-import/1';

export interface EventFileState extends FileCursor {
  /** Hex SHA-256 of the file's first record header (12 bytes): tells a replaced file from a grown one. */
  head: string | null;
  /** True once the file was found shorter than imported, or with another first record; it is left alone. */
  replaced?: boolean;
}

export interface ImportState {
  format: string;
  /** The log directory (real path) and the run directory relative to it (`.` for the log directory). */
  source: string;
  run: string;
  /** The step the next event with data gets. */
  next_step: number;
  /** Wall time (ms) of the first and the latest imported event, null before any. */
  first_wall_time_ms: number | null;
  last_wall_time_ms: number | null;
  files: Record<string, EventFileState>;
  /** Tag → name, for every tag seen (names differ from tags only where the name rules required it). */
  names: Record<string, string>;
  /**
   * The batch being written, saved before its rows: where it ends in each file and the step counter after
   * it. A state that still has it belongs to an import that stopped while writing; the next import reads
   * exactly that batch again (so its events get the same steps) before anything new.
   */
  pending?: { files: Record<string, EventFileState>; next_step: number } | null;
}

export function emptyImportState(source: string, run: string): ImportState {
  return {
    format: IMPORT_STATE_FORMAT,
    source,
    run,
    next_step: 0,
    first_wall_time_ms: null,
    last_wall_time_ms: null,
    files: {},
    names: {},
  };
}

/** The state of a run folder, or null when it has none (or one this version cannot read). */
export function readImportState(runDir: string): ImportState | null {
  let text: string;
  try {
    text = readFileSync(join(runDir, IMPORT_STATE_FILE), 'utf8');
  } catch {
    return null;
  }
  try {
    const s = JSON.parse(text) as ImportState;
    if (s.format !== IMPORT_STATE_FORMAT || typeof s.run !== 'string' || typeof s.next_step !== 'number') {
      return null;
    }
    return { ...s, files: s.files ?? {}, names: s.names ?? {} };
  } catch {
    return null;
  }
}

export function writeImportState(runDir: string, state: ImportState): void {
  writeFileAtomic(join(runDir, IMPORT_STATE_FILE), `${JSON.stringify(state, null, 1)}\n`);
}
