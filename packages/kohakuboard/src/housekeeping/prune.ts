/**
 * `kobo prune RUN --after-step N` (and --before-step, --metric): removes the rows outside a step range from
 * every metric, histogram, table, media record, tensor and kernel density of a run, and the media blobs and
 * tensor payloads no row refers to any more (docs/export.md#prune). Files without such rows stay as they
 * are; the others are rewritten beside the run and swapped in through a journal (prune-journal.ts).
 */
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { nameFilter } from '../export/name-filter.js';
import { listDbFiles, listMetricFiles, runPaths, withReadOnly } from '../storage/index.js';
import { errorText } from '../util/error-text.js';
import { countRemovedRows, rewriteColumnFile } from './column-file-rewrite.js';
import {
  countMetadataRows,
  distinctKeys,
  existingKeys,
  type MetadataRowTable,
  rewriteKVault,
  rewriteMetadataDb,
  type StepBounds,
} from './database-rewrite.js';
import { HousekeepingError } from './errors.js';
import {
  abandonStaging,
  applyJournal,
  beginStaging,
  commitJournal,
  finishInterruptedPrune,
  type Journal,
  stagedPath,
} from './prune-journal.js';
import { DEFAULT_STALE_AFTER_MS, refuseIfRunning, requireRunDir } from './run-state.js';

export interface PruneOptions {
  /** Remove rows with a step greater than this. */
  afterStep?: number;
  /** Remove rows with a step smaller than this. */
  beforeStep?: number;
  /** Only these metrics (globs); nothing else of the run changes. */
  metrics?: string[];
  dryRun?: boolean;
  staleAfterMs?: number;
  /** Called with a line per step taken (--verbose). */
  onStep?: (line: string) => void;
}

export type PruneFileChange =
  | { kind: 'column-file'; file: string; rows: number; removed: number; action: 'rewrite' | 'remove' }
  | { kind: 'metadata'; file: string; tables: Record<MetadataRowTable, { rows: number; removed: number }> }
  | { kind: 'kvault'; file: string; keys: Array<{ key: string; size: number }> };

export interface PruneReport {
  run: string;
  bounds: StepBounds;
  changes: PruneFileChange[];
  dryRun: boolean;
  /** What an interrupted earlier prune left and what was done with it. */
  recovered: 'none' | 'rolled-back' | 'completed';
}

function bounds(options: PruneOptions): StepBounds {
  const check = (v: number | undefined, name: string) => {
    if (v !== undefined && !Number.isSafeInteger(v))
      throw new HousekeepingError('EUSAGE', `${name} must be a whole number`);
  };
  check(options.afterStep, '--after-step');
  check(options.beforeStep, '--before-step');
  if (options.afterStep === undefined && options.beforeStep === undefined) {
    throw new HousekeepingError('EUSAGE', 'give --after-step N, --before-step N or both');
  }
  const b = {
    lo: options.beforeStep ?? Number.MIN_SAFE_INTEGER,
    hi: options.afterStep ?? Number.MAX_SAFE_INTEGER,
  };
  if (b.lo > b.hi)
    throw new HousekeepingError(
      'EUSAGE',
      '--before-step is greater than --after-step: nothing would be left',
    );
  return b;
}

/** What a prune would change; reads only. */
function plan(runDir: string, b: StepBounds, metricGlobs: string[] | undefined): PruneFileChange[] {
  const keep = (step: number) => step >= b.lo && step <= b.hi;
  const rel = (file: string) => relative(runDir, file).split('\\').join('/');
  const changes: PruneFileChange[] = [];
  const filter = nameFilter(metricGlobs ?? []);
  const paths = runPaths(runDir);
  const columnFiles = listMetricFiles(runDir)
    .filter((m) => filter(m.name))
    .map((m) => m.file);
  if (!metricGlobs?.length)
    columnFiles.push(...listDbFiles(paths.histogramsDir).map((f) => join(paths.histogramsDir, f)));
  for (const file of columnFiles) {
    const { rows, removed } = countRemovedRows(file, keep);
    if (removed > 0)
      changes.push({
        kind: 'column-file',
        file: rel(file),
        rows,
        removed,
        action: removed === rows ? 'remove' : 'rewrite',
      });
  }
  if (metricGlobs?.length || !existsSync(paths.metadataDb)) return changes;
  const meta = withReadOnly(paths.metadataDb, (db) =>
    db.transaction(() => ({
      tables: countMetadataRows(db, b),
      mediaGone: diff(
        distinctKeys(db, 'media', "media_hash || '.' || format", b, true),
        distinctKeys(db, 'media', "media_hash || '.' || format", b, false),
      ),
      payloadsGone: diff(
        union(
          distinctKeys(db, 'tensors', "kv_file || '/' || kv_key", b, true),
          distinctKeys(db, 'kernel_density', "kv_file || '/' || kv_key", b, true),
        ),
        union(
          distinctKeys(db, 'tensors', "kv_file || '/' || kv_key", b, false),
          distinctKeys(db, 'kernel_density', "kv_file || '/' || kv_key", b, false),
        ),
      ),
    }))(),
  );
  if (Object.values(meta.tables).some((t) => t.removed > 0)) {
    changes.push({ kind: 'metadata', file: rel(paths.metadataDb), tables: meta.tables });
  }
  if (meta.mediaGone.size > 0 && existsSync(paths.blobsDb)) {
    const keys = existingKeys(paths.blobsDb, meta.mediaGone);
    if (keys.length) changes.push({ kind: 'kvault', file: rel(paths.blobsDb), keys });
  }
  const byFile = new Map<string, string[]>();
  for (const k of meta.payloadsGone) {
    const i = k.indexOf('/');
    const list = byFile.get(k.slice(0, i)) ?? [];
    list.push(k.slice(i + 1));
    byFile.set(k.slice(0, i), list);
  }
  for (const [kvFile, keys] of [...byFile].sort()) {
    const file = join(paths.tensorsDir, `${kvFile}.db`);
    if (!existsSync(file)) continue;
    const present = existingKeys(file, keys);
    if (present.length) changes.push({ kind: 'kvault', file: rel(file), keys: present });
  }
  return changes;
}

const diff = (a: Set<string>, b: Set<string>) => new Set([...a].filter((x) => !b.has(x)));
const union = (a: Set<string>, b: Set<string>) => new Set([...a, ...b]);

export async function pruneRun(given: string, options: PruneOptions): Promise<PruneReport> {
  const b = bounds(options);
  const runDir = requireRunDir(given);
  const say = options.onStep ?? (() => {});
  const recovered = options.dryRun ? 'none' : finishInterruptedPrune(runDir, given);
  if (recovered !== 'none')
    say(`an interrupted prune was ${recovered === 'completed' ? 'completed' : 'rolled back'}`);
  refuseIfRunning(runDir, given, 'prune', options.staleAfterMs ?? DEFAULT_STALE_AFTER_MS);
  const changes = plan(runDir, b, options.metrics);
  const report: PruneReport = { run: runDir, bounds: b, changes, dryRun: options.dryRun ?? false, recovered };
  if (options.dryRun || changes.length === 0) return report;

  beginStaging(runDir, given);
  const journal: Journal = { replace: [], remove: [] };
  try {
    for (const c of changes) {
      const source = join(runDir, c.file);
      const target = stagedPath(runDir, c.file);
      mkdirSync(dirname(target), { recursive: true });
      if (c.kind === 'column-file') {
        if (c.action === 'remove') {
          journal.remove.push(c.file);
          continue;
        }
        rewriteColumnFile(source, target, (step) => step >= b.lo && step <= b.hi);
      } else if (c.kind === 'metadata') {
        await rewriteMetadataDb(source, target, b);
      } else {
        await rewriteKVault(
          source,
          target,
          c.keys.map((k) => k.key),
        );
      }
      journal.replace.push(c.file);
      say(`staged ${c.file}`);
    }
    commitJournal(runDir, journal);
  } catch (err) {
    abandonStaging(runDir);
    throw new HousekeepingError('EFAIL', `${given}: prune failed, the run is unchanged: ${errorText(err)}`, {
      cause: err,
    });
  }
  say('committed');
  applyJournal(runDir, journal, say);
  say('done');
  return report;
}
