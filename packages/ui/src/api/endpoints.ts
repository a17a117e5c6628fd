/** One typed function per viewer endpoint (docs/api.md). Paths are root-relative and same-origin. */
import {
  apiBytes,
  apiJson,
  apiStream,
  apiText,
  apiUrl,
  namePath,
  type QueryValue,
  type RequestOptions,
  seg,
} from './http';
import { decodeFrames, type KbcFrame, KbcStreamDecoder } from './kbc';
import type {
  BatchConfigResponse,
  ConfigKeysResponse,
  HistogramResponse,
  KdeResponse,
  LogChunk,
  LogList,
  MediaResponse,
  MetricSummaries,
  PatchRunResponse,
  ProjectInfo,
  RunConfigResponse,
  RunList,
  RunStatusInfo,
  RunSummary,
  ScalarSeriesJson,
  SurfaceResponse,
  SystemInfo,
  TableResponse,
  TensorResponse,
} from './types';

export function runBase(project: string, runId: string): string {
  return `/api/projects/${seg(project)}/runs/${seg(runId)}`;
}

export const getSystemInfo = (o?: RequestOptions) => apiJson<SystemInfo>('/api/system/info', o);

export const getProjects = (o?: RequestOptions) =>
  apiJson<{ projects: ProjectInfo[] }>('/api/projects', o).then((r) => r.projects);

export interface RunQuery {
  q?: string;
  status?: string[];
  config?: string[];
  sort?: string;
  offset?: number;
  limit?: number;
  fields?: string[];
}

export function getRuns(project: string, query: RunQuery = {}, o?: RequestOptions): Promise<RunList> {
  return apiJson<RunList>(
    apiUrl(`/api/projects/${seg(project)}/runs`, {
      q: query.q || undefined,
      status: query.status?.length ? query.status.join(',') : undefined,
      config: query.config?.length ? query.config : undefined,
      sort: query.sort || undefined,
      offset: query.offset,
      limit: query.limit,
      fields: query.fields?.length ? query.fields.join(',') : undefined,
    }),
    o,
  );
}

export const getConfigKeys = (project: string, o?: RequestOptions) =>
  apiJson<ConfigKeysResponse>(`/api/projects/${seg(project)}/config_keys`, o);

/** Every run's last, min and max of `metrics` (at most 16), computed and held by the server. */
export const getMetricSummaries = (project: string, metrics: string[], o?: RequestOptions) =>
  apiJson<MetricSummaries>(
    apiUrl(`/api/projects/${seg(project)}/metric_summaries`, {
      metric: metrics.length ? metrics : undefined,
    }),
    o,
  );

export const getSummary = (project: string, runId: string, o?: RequestOptions) =>
  apiJson<RunSummary>(`${runBase(project, runId)}/summary`, o);

export const getRunStatus = (project: string, runId: string, o?: RequestOptions) =>
  apiJson<RunStatusInfo>(`${runBase(project, runId)}/status`, o);

export const patchRun = (
  project: string,
  runId: string,
  body: { name?: string; annotation?: string },
  o: RequestOptions = {},
) => apiJson<PatchRunResponse>(runBase(project, runId), { ...o, method: 'PATCH', body });

export const getRunConfig = (project: string, runId: string, o?: RequestOptions) =>
  apiJson<RunConfigResponse>(`${runBase(project, runId)}/config`, o);

export const postBatchConfig = (
  project: string,
  runIds: string[],
  onlyDifferences: boolean,
  o: RequestOptions = {},
) =>
  apiJson<BatchConfigResponse>(`/api/projects/${seg(project)}/runs/batch/config`, {
    ...o,
    method: 'POST',
    body: { run_ids: runIds, only_differences: onlyDifferences },
  });

export const postBatchSummary = (project: string, runIds: string[], o: RequestOptions = {}) =>
  apiJson<Record<string, RunSummary>>(`/api/projects/${seg(project)}/runs/batch/summary`, {
    ...o,
    method: 'POST',
    body: { run_ids: runIds },
  });

/**
 * Query of a scalar series request (docs/api.md#scalars, docs/api.md#downsampling,
 * docs/api.md#kbc-frames).
 */
export interface ScalarQuery {
  points?: number;
  x?: 'step' | 'global_step' | 'timestamp';
  x_min?: number | null;
  x_max?: number | null;
  x_metric?: string | null;
  after_step?: number | null;
  smooth?: string | null;
  smooth_value?: number | null;
  limit?: number;
}

function scalarQuery(q: ScalarQuery, format: 'json' | 'kbc'): Record<string, QueryValue> {
  return {
    points: q.points,
    x: q.x,
    x_min: q.x_min,
    x_max: q.x_max,
    x_metric: q.x_metric,
    after_step: q.after_step,
    smooth: q.smooth,
    smooth_value: q.smooth ? q.smooth_value : undefined,
    limit: q.limit,
    time_unit: format === 'json' ? 'ms' : undefined,
    format: format === 'kbc' ? 'kbc' : undefined,
  };
}

export function getScalarJson(
  project: string,
  runId: string,
  metric: string,
  q: ScalarQuery,
  o?: RequestOptions,
): Promise<ScalarSeriesJson> {
  return apiJson<ScalarSeriesJson>(
    apiUrl(`${runBase(project, runId)}/scalars/${namePath(metric)}`, scalarQuery(q, 'json')),
    o,
  );
}

export async function getScalarKbc(
  project: string,
  runId: string,
  metric: string,
  q: ScalarQuery,
  o?: RequestOptions,
): Promise<KbcFrame> {
  const bytes = await apiBytes(
    apiUrl(`${runBase(project, runId)}/scalars/${namePath(metric)}`, scalarQuery(q, 'kbc')),
    o,
  );
  const frames = decodeFrames(new Uint8Array(bytes));
  if (frames.length !== 1) throw new Error('kbc: expected one frame');
  return frames[0];
}

export interface BatchScalarBody extends Omit<ScalarQuery, 'after_step'> {
  run_ids: string[];
  metrics: string[];
  after_step?: number | Record<string, number> | null;
}

/** `batch/scalars` with `format=kbc`, streamed: `onFrame` is called per (run, metric) as it arrives. */
export async function postBatchScalarsKbc(
  project: string,
  body: BatchScalarBody,
  onFrame: (frame: KbcFrame) => void,
  o: RequestOptions = {},
): Promise<void> {
  const decoder = new KbcStreamDecoder(onFrame);
  await apiStream(
    apiUrl(`/api/projects/${seg(project)}/runs/batch/scalars`, { format: 'kbc' }),
    { ...o, method: 'POST', body: { ...body, format: 'kbc' } },
    (chunk) => decoder.push(chunk),
  );
  decoder.finish();
}

/** `batch/scalars` as JSON, for servers without the `kbc` feature. */
export const postBatchScalarsJson = (project: string, body: BatchScalarBody, o: RequestOptions = {}) =>
  apiJson<Record<string, Record<string, ScalarSeriesJson>>>(
    `/api/projects/${seg(project)}/runs/batch/scalars`,
    {
      ...o,
      method: 'POST',
      body: { ...body, time_unit: 'ms', format: 'json' },
    },
  );

export const getMedia = (
  project: string,
  runId: string,
  name: string,
  afterStep?: number | null,
  o?: RequestOptions,
) =>
  apiJson<MediaResponse>(
    apiUrl(`${runBase(project, runId)}/media/${namePath(name)}`, { after_step: afterStep ?? undefined }),
    o,
  );

export const getTable = (
  project: string,
  runId: string,
  name: string,
  afterStep?: number | null,
  o?: RequestOptions,
) =>
  apiJson<TableResponse>(
    apiUrl(`${runBase(project, runId)}/tables/${namePath(name)}`, {
      resolve_media: true,
      after_step: afterStep ?? undefined,
    }),
    o,
  );

export const getHistogram = (
  project: string,
  runId: string,
  name: string,
  afterStep?: number | null,
  o?: RequestOptions,
) =>
  apiJson<HistogramResponse>(
    apiUrl(`${runBase(project, runId)}/histograms/${namePath(name)}`, { after_step: afterStep ?? undefined }),
    o,
  );

export interface SurfaceQuery {
  axis: string;
  normalize?: string;
  bins?: number;
  downsample?: number;
  target_rows?: number;
  step_min?: number;
  step_max?: number;
}

export const getSurface = (
  project: string,
  runId: string,
  name: string,
  q: SurfaceQuery,
  o?: RequestOptions,
) =>
  apiJson<SurfaceResponse>(
    apiUrl(`${runBase(project, runId)}/histograms/${namePath(name)}/surface`, { ...q }),
    o,
  );

export interface TensorQuery {
  step?: number;
  include_data?: boolean;
  encoding?: 'json';
  slice?: string;
  max_elements?: number;
  stats?: boolean;
  after_step?: number;
}

export const getTensor = (project: string, runId: string, name: string, q: TensorQuery, o?: RequestOptions) =>
  apiJson<TensorResponse>(apiUrl(`${runBase(project, runId)}/tensors/${namePath(name)}`, { ...q }), o);

export function tensorNpyUrl(project: string, runId: string, name: string, step: number): string {
  return apiUrl(`${runBase(project, runId)}/tensors/${namePath(name)}`, { format: 'npy', step });
}

export const getKde = (project: string, runId: string, name: string, points: number, o?: RequestOptions) =>
  apiJson<KdeResponse>(apiUrl(`${runBase(project, runId)}/kernel_density/${namePath(name)}`, { points }), o);

export const getLogs = (project: string, runId: string, o?: RequestOptions) =>
  apiJson<LogList>(`${runBase(project, runId)}/logs`, o);

export interface LogQuery {
  offset?: number;
  before?: number;
  tail?: number;
  max_bytes?: number;
}

export const getLogChunk = (project: string, runId: string, file: string, q: LogQuery, o?: RequestOptions) =>
  apiJson<LogChunk>(apiUrl(`${runBase(project, runId)}/logs/${seg(file)}`, { ...q }), o);

export const getLogText = (
  project: string,
  runId: string,
  file: string,
  offset: number,
  o?: RequestOptions,
) =>
  apiText(
    apiUrl(`${runBase(project, runId)}/logs/${seg(file)}`, { offset, format: 'text', max_bytes: 8388608 }),
    o,
  );

/** docs/api.md#export: the scalars of chosen runs and metrics as a file, as `kobo export` writes it. */
export interface ExportQuery {
  run: string[];
  /** None: every metric. */
  metric?: string[];
  format: 'csv' | 'parquet' | 'jsonl';
  wide?: boolean;
}

/** The export route's URL: the browser downloads it (Content-Disposition: attachment). */
export function exportUrl(project: string, q: ExportQuery): string {
  return apiUrl(`/api/projects/${seg(project)}/export`, { ...q });
}
