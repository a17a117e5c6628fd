/**
 * A source of exported rows: its columns, an estimate of its row count (for progress) and a fill loop
 * that puts rows into a batch builder, handing the builder over each time it is full.
 */

import { errorText } from '../util/error-text.js';
import type { BatchBuilder, ColumnDef } from './table-model.js';

/** A file that could not be read; the export goes on without it (or without the rest of it). */
export interface ExportProblem {
  file: string;
  message: string;
}

export interface FillContext {
  /** Writes the builder's rows out and empties it. */
  flush(): Promise<void>;
  report(problem: ExportProblem): void;
}

export interface TableSource {
  readonly defs: ColumnDef[];
  readonly estimatedRows: number;
  fill(builder: BatchBuilder, ctx: FillContext): Promise<void>;
}

/** The message of any error, without a repeated file name prefix. */
export function problemText(err: unknown, file: string): string {
  const message = errorText(err);
  return message.startsWith(`${file}: `) ? message.slice(file.length + 2) : message;
}
