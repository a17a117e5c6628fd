/**
 * Response shapes of the viewer API. They are declared once, as the server's route schemas, and taken from
 * there (`kohakuboard/api-types`, types only: nothing of the server is bundled). Non-finite floats arrive
 * as strings ("NaN", "Infinity", "-Infinity").
 */
import type { RunList as ApiRunList, RunRecord, RunStatus } from 'kohakuboard/api-types';

export type {
  AvailableData,
  BatchConfigResponse,
  ConfigKey,
  ConfigKeysResponse,
  DownsamplingInfo,
  HistogramEntry,
  HistogramResponse,
  JsonFloat,
  KdeEntry,
  KdeResponse,
  LogChunk,
  LogFileInfo,
  LogList,
  MediaEntry,
  MediaResponse,
  MetricSummaries,
  MetricSummary,
  NestedData,
  PatchRunResponse,
  ProjectInfo,
  ResolvedMedia,
  RunConfigResponse,
  RunMetadata,
  RunRecord,
  RunStatus,
  RunStatusInfo,
  RunSummary,
  ScalarSeriesJson,
  SurfaceResponse,
  SystemInfo,
  TableEntry,
  TableResponse,
  TensorEntry,
  TensorResponse,
  TensorStats,
} from 'kohakuboard/api-types';

/** The statuses the run filter offers, in this order; every status the server sends is one of them. */
export const RUN_STATUSES = [
  'running',
  'finished',
  'interrupted',
  'crashed',
  'stale',
  'unknown',
] as const satisfies readonly RunStatus[];

/** Compiles only while RUN_STATUSES lists every status of the server's schema. */
export const RUN_STATUSES_COMPLETE: Exclude<RunStatus, (typeof RUN_STATUSES)[number]> extends never
  ? true
  : never = true;

/**
 * A run listing. With `fields` the server sends only those fields of each run; the UI asks for a subset
 * only where it reads no other field, so it treats every entry as a whole record.
 */
export type RunList = Omit<ApiRunList, 'runs'> & { runs: RunRecord[] };
