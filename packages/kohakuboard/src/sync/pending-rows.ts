/** How many data rows of a run lie past the cursors: the total a progress bar counts towards. */
import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import {
  countRowsAfter,
  listDbFiles,
  listMetricFiles,
  metricRowCount,
  readColumnMetas,
  runPaths,
  withReadOnly,
} from '../storage/index.js';
import type { SyncCursors } from './sync-state.js';

export function countPendingRows(runDir: string, cursors: SyncCursors): number {
  const paths = runPaths(runDir);
  let total = 0;
  for (const m of listMetricFiles(runDir)) {
    const n = withReadOnly(m.file, (db) => metricRowCount(db, m.file));
    total += Math.max(0, n - (cursors.metrics[basename(m.file, '.db')] ?? 0));
  }
  for (const f of listDbFiles(paths.histogramsDir)) {
    const file = join(paths.histogramsDir, f);
    // The step column's length is the row count of a histogram file written whole.
    const n = withReadOnly(file, (db) => readColumnMetas(db, file).get('step')?.length ?? 0);
    total += Math.max(0, n - (cursors.histograms[f.slice(0, -3)] ?? 0));
  }
  if (existsSync(paths.metadataDb)) {
    total += withReadOnly(paths.metadataDb, (db) => {
      let n = 0;
      for (const table of ['media', 'tables', 'tensors', 'kernel_density'] as const)
        n += countRowsAfter(db, table, cursors[table]);
      return n;
    });
  }
  return total;
}
