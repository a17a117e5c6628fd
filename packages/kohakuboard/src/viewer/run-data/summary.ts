/**
 * `…/summary` (docs/api.md#summary) and `…/status` (docs/api.md#status). The summary is built from directory
 * listings and small indexed queries; no metric series is opened. /status comes from the index record alone.
 */

import { readRunContents } from '../../reader/run-contents.js';
import type { ReaderContext } from '../../reader/scalar-source.js';
import { formatIsoMicros, parseIsoToMs } from '../../storage/index.js';
import { apiJson } from '../json-encode.js';
import type { RunRef } from '../run-ref.js';
import { fullMetadata, metadataObject } from './run-metadata.js';

const BASE = ['step', 'global_step', 'timestamp'];

/** `"{h}h {mm}m {ss}s"`, without the hours part when it is 0; "N/A" when unknown (docs/api.md#summary). */
export function formatDuration(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms) || ms < 0) return 'N/A';
  const total = Math.floor(ms / 1000);
  const h = Math.floor(total / 3600);
  const mm = String(Math.floor((total % 3600) / 60)).padStart(2, '0');
  const ss = String(total % 60).padStart(2, '0');
  return h > 0 ? `${h}h ${mm}m ${ss}s` : `${mm}m ${ss}s`;
}

function runDuration(run: RunRef): number | null {
  if (run.createdAtMs === null) return null;
  const end = parseIsoToMs(run.finishedAt) ?? run.lastActivityMs;
  return end === null ? null : end - run.createdAtMs;
}

export function totalSteps(run: RunRef): number {
  return run.lastStep === null ? 0 : run.lastStep + 1;
}

export interface SummaryOptions {
  excludePrefixes?: string[] | null;
}

function dropPrefixed(names: string[], prefixes: string[] | null | undefined): string[] {
  if (!prefixes || prefixes.length === 0) return names;
  return names.filter((n) => !prefixes.some((p) => n.startsWith(p)));
}

export function summaryObject(
  ctx: ReaderContext,
  run: RunRef,
  options: SummaryOptions = {},
): Record<string, unknown> {
  const contents = readRunContents(ctx, run.dir);
  const ex = options.excludePrefixes;
  const metrics = contents.metrics.filter((m) => !BASE.includes(m)).sort();
  const config = fullMetadata(ctx, run).config ?? {};
  const steps = totalSteps(run);
  return {
    experiment_id: run.runIdPart,
    project: run.project,
    run_id: run.runIdPart,
    experiment_info: {
      id: run.runIdPart,
      name: run.name,
      description: `Config: ${apiJson(config)}`,
      status: run.status,
      total_steps: steps,
      duration: formatDuration(runDuration(run)),
      created_at: run.createdAt,
      annotation: run.annotation,
    },
    total_steps: steps,
    available_data: {
      scalars: dropPrefixed([...BASE, ...metrics], ex),
      media: dropPrefixed(contents.media, ex),
      tables: dropPrefixed(contents.tables, ex),
      histograms: dropPrefixed([...new Set([...contents.histograms, ...contents.kernelDensity])].sort(), ex),
      tensors: dropPrefixed(contents.tensors, ex),
      kernel_density: dropPrefixed(contents.kernelDensity, ex),
    },
    metadata: metadataObject(ctx, run),
    last_step: run.lastStep,
    has_global_step: run.hasGlobalStep,
    first_timestamp_ms: run.firstTimestampMs,
    last_timestamp_ms: run.updatedAtMs,
    status: run.status,
  };
}

export function statusObject(run: RunRef): Record<string, unknown> {
  return {
    run_id: run.runIdPart,
    project: run.project,
    metrics_count: totalSteps(run),
    last_updated: run.updatedAtMs !== null ? formatIsoMicros(run.updatedAtMs) : run.createdAt,
    annotation: run.annotation,
    last_step: run.lastStep,
    updated_at_ms: run.updatedAtMs,
    finished_at: run.finishedAt,
    status: run.status,
  };
}
