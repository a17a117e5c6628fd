/** Response shapes of the viewer API (API.md). Non-finite floats arrive as strings (§0.4). */

export type JsonFloat = number | 'NaN' | 'Infinity' | '-Infinity' | null;

export const RUN_STATUSES = ['running', 'finished', 'interrupted', 'crashed', 'stale', 'unknown'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export interface SystemInfo {
  mode: string;
  require_auth: boolean;
  version?: string;
  api_version?: number;
  data_dir?: string;
  features?: string[];
}

export interface ProjectInfo {
  name: string;
  display_name: string;
  run_count: number;
  created_at: string | null;
  updated_at: string | null;
  updated_at_ms?: number | null;
}

export interface RunRecord {
  run_id: string;
  annotation: string | null;
  name: string;
  created_at: string | null;
  updated_at: string | null;
  config?: Record<string, unknown>;
  project?: string;
  board_id?: string;
  updated_at_ms?: number | null;
  finished_at?: string | null;
  status?: RunStatus;
  last_step?: number | null;
}

export interface RunList {
  project: string;
  runs: RunRecord[];
  total?: number;
  offset?: number;
  limit?: number | null;
  indexing?: boolean;
}

export interface AvailableData {
  scalars: string[];
  media: string[];
  tables: string[];
  histograms: string[];
  tensors?: string[];
  kernel_density?: string[];
}

export interface RunMetadata {
  name?: string;
  config?: Record<string, unknown>;
  created_at?: string | null;
  finished_at?: string | null;
  project?: string;
  run_id?: string;
  annotation?: string | null;
  board_id?: string;
  [key: string]: unknown;
}

export interface RunSummary {
  experiment_id: string;
  project: string;
  run_id: string;
  experiment_info: {
    id: string;
    name: string;
    description?: string;
    status?: string;
    total_steps?: number;
    duration?: string;
    created_at?: string | null;
    annotation?: string | null;
  };
  total_steps: number;
  available_data: AvailableData;
  metadata?: RunMetadata;
  last_step?: number | null;
  has_global_step?: boolean;
  first_timestamp_ms?: number | null;
  last_timestamp_ms?: number | null;
  status?: RunStatus;
}

export interface RunStatusInfo {
  run_id: string;
  project: string;
  metrics_count: number;
  last_updated: string | null;
  annotation: string | null;
  last_step?: number | null;
  updated_at_ms?: number | null;
  finished_at?: string | null;
  status?: RunStatus;
}

export interface DownsamplingInfo {
  method: string;
  points_requested: number;
  x: 'step' | 'global_step' | 'timestamp';
  bucket_width?: number | null;
  bucket_width_ms?: number | null;
  buckets: number | null;
  window_points: number;
  returned_points: number;
  x_min: number | null;
  x_max: number | null;
  from_bucket_x?: number | null;
  from_bucket_x_ms?: number | null;
}

export interface ScalarSeriesJson {
  metric?: string;
  steps: number[];
  global_steps: number[];
  timestamps: number[];
  values: JsonFloat[];
  total_points?: number;
  last_step?: number | null;
  downsampling?: DownsamplingInfo;
  smoothed?: Array<number | null>;
  xs?: Array<JsonFloat>;
}

export interface MediaEntry {
  name: string;
  step: number;
  type: 'image' | 'video' | 'audio' | string;
  url: string;
  caption: string | null;
  width: number | null;
  height: number | null;
  id?: number;
  global_step?: number | null;
  format?: string;
  filename?: string;
  size_bytes?: number;
}

export interface MediaResponse {
  experiment_id: string;
  media_name: string;
  data: MediaEntry[];
}

export interface TableEntry {
  step: number;
  global_step: number | null;
  name: string;
  columns: string[];
  column_types: string[];
  rows: unknown[][];
  nonfinite_cells?: Array<[number, number]>;
}

export interface ResolvedMedia {
  url: string;
  type: string;
  format?: string;
  width?: number | null;
  height?: number | null;
  caption?: string | null;
}

export interface TableResponse {
  experiment_id: string;
  table_name: string;
  data: TableEntry[];
  media?: Record<string, ResolvedMedia>;
}

export interface HistogramEntry {
  step: number;
  global_step: number | null;
  bins: number[];
  counts: JsonFloat[];
  relative_walltime?: number | null;
  precision?: string;
  kernel?: string;
  bandwidth?: number | string | null;
  sample_count?: number;
  range_min?: number;
  range_max?: number;
}

export interface HistogramResponse {
  experiment_id: string;
  histogram_name: string;
  data: HistogramEntry[];
}

export interface SurfaceResponse {
  experiment_id: string;
  histogram_name: string;
  axis_values: number[];
  axis_type: string;
  axis_requested: string;
  axis_label: string;
  axis_stats: { min: number; max: number; count: number };
  steps: number[];
  global_steps: Array<number | null>;
  bin_edges: number[];
  bin_centers: number[];
  bin_range: { min: number; max: number };
  matrix: JsonFloat[][];
  raw_max_value: number;
  downsample_rate: number;
  original_entries: number;
  sampled_entries: number;
  normalize: string;
}

export interface TensorStats {
  numel: number;
  min: JsonFloat;
  max: JsonFloat;
  mean: JsonFloat;
  std: JsonFloat;
  nan_count: number;
  inf_count: number;
  zero_count?: number;
}

export type NestedData = JsonFloat | string | boolean | NestedData[];

export interface TensorEntry {
  step: number;
  global_step: number | null;
  namespace?: string;
  dtype: string;
  shape: number[];
  size_bytes?: number;
  metadata?: Record<string, unknown>;
  data_dtype?: string;
  data_shape?: number[];
  stats?: TensorStats;
  encoding?: string;
  data?: NestedData;
}

export interface TensorResponse {
  experiment_id: string;
  tensor_name: string;
  entries: TensorEntry[];
}

export interface KdeEntry {
  step: number;
  global_step: number | null;
  relative_walltime?: number | null;
  kernel?: string;
  bandwidth?: number | string | null;
  sample_count?: number;
  range_min?: number;
  range_max?: number;
  num_points?: number;
  metadata?: Record<string, unknown>;
  grid?: number[];
  density: JsonFloat[];
}

export interface KdeResponse {
  experiment_id: string;
  kernel_density_name: string;
  grid: number[] | null;
  entries: KdeEntry[];
}

export interface LogFileInfo {
  name: string;
  size: number;
  modified_at?: string;
  modified_at_ms?: number;
}

export interface LogList {
  run_id: string;
  project: string;
  files: LogFileInfo[];
}

export interface LogChunk {
  name: string;
  size: number;
  offset: number;
  next_offset: number;
  eof: boolean;
  reset: boolean;
  content: string;
}

export interface RunConfigResponse {
  run_id: string;
  project: string;
  config: Record<string, unknown>;
  flat: Record<string, unknown>;
}

export interface BatchConfigResponse {
  keys: string[];
  differing: string[];
  configs: Record<string, Record<string, unknown>>;
  missing_runs: string[];
}

export interface ConfigKey {
  key: string;
  count: number;
  numeric: boolean;
}

export interface ConfigKeysResponse {
  project: string;
  keys: ConfigKey[];
}

export interface PatchRunResponse {
  run_id: string;
  annotation: string | null;
  name: string;
  finished_at: string | null;
}
