/**
 * The columns that say which run a row comes from (`project`, `run_id`, `run_name`), present when an export
 * holds more than one run (docs/export.md#tables).
 */
import type { ExportRun } from './export-targets.js';
import type { BatchBuilder, ColumnDef } from './table-model.js';

export function runColumnDefs(withRuns: boolean): ColumnDef[] {
  if (!withRuns) return [];
  return [
    { name: 'project', type: 'string', nullable: false },
    { name: 'run_id', type: 'string', nullable: false },
    { name: 'run_name', type: 'string', nullable: false },
  ];
}

/** Fills the run columns (the first three of the table, when present) for rows [from, from + n). */
export function fillRunColumns(
  builder: BatchBuilder,
  withRuns: boolean,
  run: ExportRun,
  from: number,
  n: number,
): void {
  if (!withRuns) return;
  const values = [run.project, run.runId, run.name];
  for (let c = 0; c < 3; c++) builder.fillString(c, from, n, builder.dictionaries[c]!.code(values[c]));
}
