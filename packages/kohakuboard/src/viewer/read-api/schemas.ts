/**
 * The read API's request and response shapes as TypeBox schemas: one declaration gives the JSON schema that
 * Fastify validates with and that the OpenAPI document shows, and (through `Static<>`, see api-types.ts) the
 * TypeScript types of the server and the web UI. This module imports nothing from Node or Fastify, so that
 * the UI's type checker can read it.
 *
 * Conventions of the API these shapes encode (docs/api.md#conventions): non-finite floats are the strings
 * "NaN", "Infinity" and "-Infinity"; a missing value is null; `*_ms` fields are integer milliseconds.
 */
import { type TSchema, Type } from 'typebox';

// ---------------------------------------------------------------------------------------------------------
// Building blocks

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

/** A float as the API sends it: a number, a non-finite marker string, or null when missing. */
export const JsonFloat = Type.Union([
  Type.Number(),
  Type.Literal('NaN'),
  Type.Literal('Infinity'),
  Type.Literal('-Infinity'),
  Type.Null(),
]);

/** Any JSON value as stored (metadata, config, table cells), non-finite numbers as their strings. */
const JsonAny = Type.Unknown();
const JsonObject = Type.Record(Type.String(), Type.Unknown());

export const RUN_STATUS_VALUES = [
  'running',
  'finished',
  'interrupted',
  'crashed',
  'stale',
  'unknown',
] as const;
export const RunStatus = Type.Enum(RUN_STATUS_VALUES, {
  description: 'Canonical run status (docs/api.md#status)',
});

/** ISO 8601 text as stored or derived (`2025-01-29T07:04:23.123000+00:00`). */
const IsoTime = Type.String({ description: 'ISO 8601 time' });
const Ms = Type.Integer({ description: 'Unix time in milliseconds' });

/** Binary and text bodies, for the OpenAPI document (their bytes are never serialised from a schema). */
const Binary = Type.String({ format: 'binary' });
const binary = (description: string, ...types: string[]) => ({
  description,
  content: Object.fromEntries(types.map((t) => [t, { schema: Binary }])),
});

// ---------------------------------------------------------------------------------------------------------
// Errors

export const ErrorDetail = Type.Object({
  error: Type.String({ description: 'Human-readable message' }),
  code: Type.String({ description: 'Stable machine code (docs/api.md#errors)' }),
  param: Type.Optional(Type.String({ description: 'The parameter a validation error is about' })),
});

/** The one error body of every /api response (docs/api.md#errors). */
export const ErrorBody = Type.Object({ detail: ErrorDetail });

// ---------------------------------------------------------------------------------------------------------
// Parameters

/** Booleans accept true, false, 1 and 0 (any case). */
const Bool = (description: string) => Type.Optional(Type.Boolean({ description }));
const Int = (description: string, range: { minimum?: number; maximum?: number } = {}) =>
  Type.Optional(Type.Integer({ description, ...range }));
const Float = (description: string) => Type.Optional(Type.Number({ description }));
const Str = (description: string) => Type.Optional(Type.String({ description }));
const OneOf = <T extends string>(values: readonly T[], description: string) =>
  Type.Optional(Type.Enum([...values], { description }));

const LIMIT = Int('Keep the last N entries; 0 or absent: all', { minimum: 0 });
const AFTER_STEP = Int('Keep entries with step > after_step');

export const ProjectParams = Type.Object({
  project: Type.String({ description: 'Project name (one path segment, percent-decoded)' }),
});
export const RunParams = Type.Object({
  project: Type.String({ description: 'Project name (one path segment, percent-decoded)' }),
  run_id: Type.String({ description: 'Run id or run folder name (docs/api.md#run-resolution)' }),
});
/**
 * `{name:path}` parameters arrive as Fastify's wildcard `*` (names may contain `/`). The route matches on the
 * raw path: a literal `/` separates segments, `%2F` inside a segment does not.
 */
export const RunNameParams = Type.Object({
  project: Type.String(),
  run_id: Type.String(),
  '*': Type.String({ description: 'The name; may contain `/` (docs/api.md#names-in-paths)' }),
});
export const MediaFileParams = Type.Object({
  project: Type.String(),
  run_id: Type.String(),
  filename: Type.String({ description: 'The blob key `{media_hash}.{format}`' }),
});
export const MediaIdParams = Type.Object({
  project: Type.String(),
  run_id: Type.String(),
  media_id: Type.String({ description: 'Integer id of the media record' }),
});
export const SurfaceParams = Type.Object({
  project: Type.String(),
  run_id: Type.String(),
  name: Type.String({ description: 'Histogram name (names with `/` reach this route too)' }),
});
export const LogParams = Type.Object({
  project: Type.String(),
  run_id: Type.String(),
  file: Type.String({ description: 'A log file name matching ^[A-Za-z0-9._-]+\\.log$' }),
});
export const BoardMediaParams = Type.Object({
  board: Type.String({ description: 'Run folder name or run id, in any project' }),
  media_id: Type.String({ description: 'Integer id of the media record' }),
});

export const RunListQuery = Type.Object({
  q: Str('Case-insensitive substring of name, annotation, run_id or board_id'),
  status: Str('Comma list of statuses'),
  config: Type.Optional(
    Type.Array(Type.String(), {
      description: 'Repeatable filter `<flat key><op><value>`, op one of != >= <= = > < ~ (none: key exists)',
    }),
  ),
  sort: Str('Comma list of keys, `-` for descending; `config.<flat key>` sorts by a config value'),
  offset: Int('Runs to skip', { minimum: 0 }),
  limit: Int('At most this many runs', { minimum: 1, maximum: 10_000 }),
  fields: Str('Comma list of run fields to include (run_id always)'),
});

export const MetricSummaryQuery = Type.Object({
  metric: Type.Optional(
    Type.Array(Type.String(), {
      description: 'Repeatable: a metric to summarize for every run (at most 16; names may contain `/`)',
    }),
  ),
});

export const DetailsQuery = Type.Object({
  details: Bool('Add per-name counts and step ranges'),
});

export const EnvelopeQuery = Type.Object({
  envelope: Bool('Answer {"results", "errors"} instead of a bare map'),
});

/** docs/api.md#export: a table of scalars of some runs, in the bytes `kobo export` writes. */
export const EXPORT_FORMAT_VALUES = ['csv', 'parquet', 'jsonl'] as const;
export const EXPORT_MAX_RUNS = 100;
export const EXPORT_MAX_METRICS = 1000;
export const ExportQuery = Type.Object({
  run: Type.Array(Type.String(), {
    description: `Repeatable run id; 1 to ${EXPORT_MAX_RUNS} (more: 413 too_large)`,
  }),
  metric: Type.Optional(
    Type.Array(Type.String(), {
      description: `Repeatable exact metric name; none: every metric; at most ${EXPORT_MAX_METRICS}`,
    }),
  ),
  format: OneOf(EXPORT_FORMAT_VALUES, 'csv (default), parquet or jsonl'),
  wide: Bool('One row per step and a column per metric, instead of one row per point'),
});

export const BatchScalarsQuery = Type.Object({
  format: OneOf(['json', 'kbc'] as const, 'Response encoding; wins over the body field'),
  envelope: Bool('Answer {"results", "errors"} instead of a bare map (JSON only)'),
});

export const ScalarQuery = Type.Object({
  limit: LIMIT,
  points: Int('Downsample to about this many rows: 8-100,000; 0 or absent: off', {
    minimum: 0,
    maximum: 100_000,
  }),
  x: OneOf(['step', 'global_step', 'timestamp'] as const, 'Axis of buckets and of x_min/x_max'),
  x_min: Float('Window start (inclusive; ms for x=timestamp)'),
  x_max: Float('Window end (inclusive; ms for x=timestamp)'),
  x_metric: Str('Add `xs`: this metric at each returned row, forward-filled'),
  after_step: Int('Only rows (or, with points, whole buckets) after this step'),
  smooth: OneOf(['ema', 'ema_debiased', 'ma', 'gaussian'] as const, 'Add `smoothed`'),
  smooth_value: Float('Smoothing parameter'),
  time_unit: OneOf(['s', 'ms'] as const, 'Unit of `timestamps`'),
  format: OneOf(['json', 'kbc'] as const, 'Response encoding'),
});

export const MediaQuery = Type.Object({ limit: LIMIT, after_step: AFTER_STEP });

export const TableQuery = Type.Object({
  limit: LIMIT,
  after_step: AFTER_STEP,
  resolve_media: Bool('Add a top-level `media` object for the media cells'),
});

export const HistogramQuery = Type.Object({
  limit: LIMIT,
  bins: Int('KDE grid size', { minimum: 8, maximum: 4096 }),
  range_min: Float('KDE grid start'),
  range_max: Float('KDE grid end'),
  after_step: AFTER_STEP,
});

export const SurfaceQuery = Type.Object({
  axis: OneOf(['step', 'global_step', 'relative_walltime'] as const, 'Row axis (default global_step)'),
  normalize: OneOf(['none', 'per-step', 'global'] as const, 'Normalization (default none)'),
  downsample: Int('-1: automatic stride; 0 or 1: none; k > 1: stride k', { minimum: -1 }),
  bins: Int('Target grid size', { minimum: 8, maximum: 1024 }),
  limit: LIMIT,
  range_min: Float('Grid start'),
  range_max: Float('Grid end'),
  after_step: AFTER_STEP,
  target_rows: Int('Target rows for downsample=-1 (default 180)', { minimum: 2, maximum: 4096 }),
  step_min: Int('Only entries with step >= step_min'),
  step_max: Int('Only entries with step <= step_max'),
});

/**
 * `histograms/{name:path}` also serves `…/surface` for names that contain `/` (the router cannot match a fixed
 * segment after a wildcard): it accepts either route's parameters; `bins` is checked by the one it turns into.
 */
export const HistogramOrSurfaceQuery = Type.Object({
  ...SurfaceQuery.properties,
  ...HistogramQuery.properties,
});

export const TensorQuery = Type.Object({
  step: Int('Only the entry of this step'),
  limit: LIMIT,
  after_step: AFTER_STEP,
  include_data: Bool('Add the values'),
  encoding: OneOf(['npy_base64', 'json'] as const, 'Encoding of the values'),
  slice: Str('NumPy-style slice of the values, e.g. `:,1:`'),
  max_elements: Int('Refuse more values than this (413)', { minimum: 1, maximum: 16_777_216 }),
  stats: Bool('Add statistics'),
  format: OneOf(['json', 'npy'] as const, 'npy: the raw .npy file of `step`'),
});

export const KdeQuery = Type.Object({
  step: Int('Only the entry of this step'),
  limit: LIMIT,
  after_step: AFTER_STEP,
  points: Int('Resample every entry onto one grid of this many points', { minimum: 8, maximum: 4096 }),
  range_min: Float('Grid start (needs points)'),
  range_max: Float('Grid end (needs points)'),
});

export const LogQuery = Type.Object({
  offset: Int('Read forward from this byte (follow)', { minimum: 0 }),
  before: Int('Read the chunk that ends before this byte (load earlier)', { minimum: 0 }),
  tail: Int('Lines (default 1000)', { minimum: 1, maximum: 1_000_000 }),
  max_bytes: Int('Chunk size cap (default 1 MiB)', { minimum: 1, maximum: 8_388_608 }),
  strip_ansi: Bool('Remove ANSI escape sequences'),
  format: OneOf(['json', 'text'] as const, 'text: the bytes as text/plain with X-Log-* headers'),
});

export const EventsQuery = Type.Object({
  project: Str('Only events of this project'),
  runs: Str('Comma list of run ids whose run_data events are wanted (needs project)'),
  types: Str('Comma list of event names'),
});

// ---------------------------------------------------------------------------------------------------------
// Bodies

const RunIds = Type.Array(Type.String(), { description: 'At most 1,000 run ids (more: 413 too_large)' });
const ExcludePrefixes = Type.Optional(
  Nullable(Type.Array(Type.String(), { description: 'Leave out names with any of these prefixes' })),
);

export const BatchSummaryBody = Type.Object({ run_ids: RunIds, exclude_prefixes: ExcludePrefixes });

const opt = <T extends TSchema>(schema: T) => Type.Optional(Nullable(schema));

/** Fields of the batch/scalars body that mean what the same-named query parameter means. */
export const BatchScalarsBody = Type.Object({
  run_ids: RunIds,
  metrics: Type.Array(Type.String()),
  points: opt(Type.Integer()),
  x: opt(Type.String()),
  x_min: opt(Type.Number()),
  x_max: opt(Type.Number()),
  x_metric: opt(Type.String()),
  after_step: opt(
    Type.Union([Type.Integer(), Type.Record(Type.String(), Type.Integer())], {
      description: 'One cursor, or one per run id',
    }),
  ),
  limit: opt(Type.Integer()),
  smooth: opt(Type.String()),
  smooth_value: opt(Type.Number()),
  time_unit: opt(Type.String()),
  exclude_prefixes: ExcludePrefixes,
  format: opt(Type.String()),
});
/** Errors in these body fields are 400 invalid_parameter naming the field (they are query options). */
export const BATCH_SCALAR_OPTIONS = [
  'points',
  'x',
  'x_min',
  'x_max',
  'x_metric',
  'after_step',
  'limit',
  'smooth',
  'smooth_value',
  'time_unit',
  'format',
] as const;

export const BatchConfigBody = Type.Object({
  run_ids: RunIds,
  only_differences: opt(Type.Boolean()),
});

export const PatchRunBody = Type.Object({
  name: opt(Type.String({ description: 'New display name (trimmed; not empty)' })),
  annotation: opt(Type.String({ description: 'New annotation; renames the run folder' })),
});

// ---------------------------------------------------------------------------------------------------------
// Responses

export const Health = Type.Object({ status: Type.String(), mode: Type.String() });

export const SystemInfo = Type.Object(
  {
    mode: Type.String({ description: '"local" for kobo open' }),
    require_auth: Type.Boolean(),
    version: Type.String(),
    api_version: Type.Integer(),
    data_dir: Type.Optional(Type.String({ description: 'Absolute path of the data directory' })),
    features: Type.Array(Type.String(), { description: 'Implemented extensions' }),
  },
  { additionalProperties: true },
);

export const ProjectInfo = Type.Object({
  name: Type.String(),
  display_name: Type.String(),
  run_count: Type.Integer(),
  created_at: Nullable(IsoTime),
  updated_at: Nullable(IsoTime),
  updated_at_ms: Nullable(Ms),
});

export const ProjectList = Type.Object({ projects: Type.Array(ProjectInfo) });

export const RunRecord = Type.Object({
  run_id: Type.String({ description: 'The folder name when the run_id part is not unique' }),
  annotation: Nullable(Type.String({ description: 'The folder suffix' })),
  name: Type.String(),
  created_at: Nullable(Type.String()),
  updated_at: Nullable(IsoTime),
  config: JsonObject,
  project: Type.String(),
  board_id: Type.String({ description: 'The folder name' }),
  updated_at_ms: Nullable(Ms),
  finished_at: Nullable(Type.String()),
  status: RunStatus,
  last_step: Nullable(Type.Integer()),
});

/** A listed run: with `fields`, only the fields asked for (and run_id). */
export const RunListEntry = Type.Intersect([
  Type.Object({ run_id: Type.String() }),
  Type.Partial(Type.Omit(RunRecord, ['run_id'])),
]);

export const RunList = Type.Object({
  project: Type.String(),
  runs: Type.Array(RunListEntry),
  total: Type.Integer({ description: 'Runs that matched, before offset and limit' }),
  offset: Type.Integer(),
  limit: Nullable(Type.Integer()),
  indexing: Type.Boolean({ description: 'True while the first scan runs (the list may be incomplete)' }),
});

export const ConfigKey = Type.Object({
  key: Type.String(),
  count: Type.Integer(),
  numeric: Type.Boolean(),
});
export const ConfigKeys = Type.Object({ project: Type.String(), keys: Type.Array(ConfigKey) });

/** One metric of one run, over the rows the scalar route serves (docs/api.md#metric-summaries). */
export const MetricSummary = Type.Object({
  count: Type.Integer({ description: 'Rows of the metric' }),
  last: JsonFloat,
  last_step: Nullable(Type.Integer()),
  min: JsonFloat,
  max: JsonFloat,
});

export const RunMetricSummaries = Type.Object({
  last_step: Nullable(Type.Integer()),
  last_global_step: Nullable(Type.Integer({ description: 'global_step of the last step' })),
  metrics: Type.Record(Type.String(), MetricSummary, {
    description: 'By metric asked for; a metric the run lacks (or that has no rows) is absent',
  }),
  error: Type.Optional(ErrorDetail),
});

export const MetricSummaries = Type.Object({
  project: Type.String(),
  metrics: Type.Array(Type.String(), { description: 'The metrics asked for' }),
  indexing: Type.Boolean({ description: 'True while the first scan runs (runs may be missing)' }),
  runs: Type.Record(Type.String(), RunMetricSummaries, { description: 'By run id, every readable run' }),
  names: Type.Array(Type.String(), { description: 'Metric names of the runs, in code-point order' }),
});

export const RunStatusInfo = Type.Object({
  run_id: Type.String(),
  project: Type.String(),
  metrics_count: Type.Integer({ description: 'Largest step + 1' }),
  last_updated: Nullable(Type.String()),
  annotation: Nullable(Type.String()),
  last_step: Nullable(Type.Integer()),
  updated_at_ms: Nullable(Ms),
  finished_at: Nullable(Type.String()),
  status: RunStatus,
});

export const PatchRunResponse = Type.Object({
  run_id: Type.String(),
  annotation: Nullable(Type.String()),
  name: Type.String(),
  finished_at: Nullable(Type.String()),
});

/** metadata.json as stored, plus run_id, annotation and board_id from the folder. */
export const RunMetadata = Type.Intersect([
  Type.Object({
    name: Type.Optional(Type.String()),
    config: Type.Optional(JsonObject),
    created_at: Type.Optional(Nullable(Type.String())),
    finished_at: Type.Optional(Nullable(Type.String())),
    project: Type.Optional(Type.String()),
    run_id: Type.String(),
    annotation: Nullable(Type.String()),
    board_id: Type.String(),
  }),
  JsonObject,
]);

export const AvailableData = Type.Object({
  scalars: Type.Array(Type.String()),
  media: Type.Array(Type.String()),
  tables: Type.Array(Type.String()),
  histograms: Type.Array(Type.String()),
  tensors: Type.Array(Type.String()),
  kernel_density: Type.Array(Type.String()),
});

export const RunSummary = Type.Object({
  experiment_id: Type.String(),
  project: Type.String(),
  run_id: Type.String(),
  experiment_info: Type.Object({
    id: Type.String(),
    name: Type.String(),
    description: Type.String(),
    status: RunStatus,
    total_steps: Type.Integer(),
    duration: Type.String(),
    created_at: Nullable(Type.String()),
    annotation: Nullable(Type.String()),
  }),
  total_steps: Type.Integer(),
  available_data: AvailableData,
  metadata: RunMetadata,
  last_step: Nullable(Type.Integer()),
  has_global_step: Type.Boolean(),
  first_timestamp_ms: Nullable(Ms),
  last_timestamp_ms: Nullable(Ms),
  status: RunStatus,
});

export const RunConfig = Type.Object({
  run_id: Type.String(),
  project: Type.String(),
  config: JsonObject,
  flat: Type.Record(Type.String(), JsonAny, { description: 'Flat keys in code-point order' }),
});

export const MetricDetail = Type.Object({
  name: Type.String(),
  count: Type.Integer(),
  first_step: Nullable(Type.Integer()),
  last_step: Nullable(Type.Integer()),
  last_value: JsonFloat,
});
export const ScalarList = Type.Object({
  metrics: Type.Array(Type.String()),
  details: Type.Optional(Type.Array(MetricDetail)),
});

export const MediaNameDetail = Type.Object({
  name: Type.String(),
  type: Type.String({ description: 'image, video, audio, or mixed' }),
  count: Type.Integer(),
  first_step: Type.Integer(),
  last_step: Type.Integer(),
});
export const MediaList = Type.Object({
  media: Type.Array(Type.String()),
  details: Type.Optional(Type.Array(MediaNameDetail)),
});
export const TableList = Type.Object({ tables: Type.Array(Type.String()) });
export const HistogramList = Type.Object({ histograms: Type.Array(Type.String()) });
export const TensorList = Type.Object({ tensors: Type.Array(Type.String()) });
export const KdeList = Type.Object({ kernel_density: Type.Array(Type.String()) });

export const LogFileInfo = Type.Object({
  name: Type.String(),
  size: Type.Integer(),
  modified_at: IsoTime,
  modified_at_ms: Ms,
});
export const LogList = Type.Object({
  run_id: Type.String(),
  project: Type.String(),
  files: Type.Array(LogFileInfo),
});

export const DownsamplingInfo = Type.Object({
  method: Type.String(),
  points_requested: Type.Integer(),
  x: Type.Enum(['step', 'global_step', 'timestamp']),
  bucket_width: Type.Optional(Nullable(Type.Number({ description: 'In x units (absent for x=timestamp)' }))),
  bucket_width_ms: Type.Optional(Nullable(Type.Number({ description: 'For x=timestamp' }))),
  buckets: Nullable(Type.Integer()),
  window_points: Type.Integer(),
  returned_points: Type.Integer(),
  x_min: Nullable(Type.Number()),
  x_max: Nullable(Type.Number()),
  from_bucket_x: Type.Optional(Nullable(Type.Number())),
  from_bucket_x_ms: Type.Optional(Nullable(Type.Number())),
});

/** One series without `metric` (the batch/scalars shape). */
export const SeriesBody = Type.Object({
  steps: Type.Array(Nullable(Type.Integer())),
  global_steps: Type.Array(Nullable(Type.Integer())),
  timestamps: Type.Array(Nullable(Type.Integer()), { description: 'Seconds (time_unit=ms: milliseconds)' }),
  values: Type.Array(JsonFloat),
  total_points: Type.Optional(Type.Integer()),
  last_step: Type.Optional(Nullable(Type.Integer())),
  downsampling: Type.Optional(DownsamplingInfo),
  smoothed: Type.Optional(Type.Array(Nullable(Type.Number()))),
  xs: Type.Optional(Type.Array(Nullable(Type.Number()))),
});

export const ScalarSeries = Type.Intersect([Type.Object({ metric: Type.String() }), SeriesBody]);

export const MediaEntry = Type.Object({
  name: Type.String({ description: 'The blob filename' }),
  step: Type.Integer(),
  type: Type.String({ description: 'image, video or audio' }),
  url: Type.String(),
  caption: Nullable(Type.String()),
  width: Nullable(Type.Integer()),
  height: Nullable(Type.Integer()),
  id: Type.Integer(),
  global_step: Nullable(Type.Integer()),
  format: Type.String(),
  filename: Type.String(),
  size_bytes: Nullable(Type.Integer()),
});
export const MediaEntries = Type.Object({
  experiment_id: Type.String(),
  media_name: Type.String(),
  data: Type.Array(MediaEntry),
});

export const TableEntry = Type.Object({
  step: Type.Integer(),
  global_step: Nullable(Type.Integer()),
  name: Type.String(),
  columns: Type.Array(JsonAny),
  column_types: Type.Array(JsonAny),
  rows: Type.Array(Type.Array(JsonAny)),
  nonfinite_cells: Type.Array(Type.Tuple([Type.Integer(), Type.Integer()]), {
    description: '[row, column] of cells holding a non-finite number',
  }),
});
export const ResolvedMedia = Type.Object({
  url: Type.String(),
  type: Type.String(),
  format: Type.String(),
  width: Nullable(Type.Integer()),
  height: Nullable(Type.Integer()),
  caption: Nullable(Type.String()),
});
export const TableEntries = Type.Object({
  experiment_id: Type.String(),
  table_name: Type.String(),
  data: Type.Array(TableEntry),
  media: Type.Optional(Type.Record(Type.String(), ResolvedMedia, { description: 'By media id' })),
});

export const HistogramEntry = Type.Object({
  step: Type.Integer(),
  global_step: Nullable(Type.Integer()),
  bins: Type.Array(Type.Number(), { description: 'counts.length + 1 edges' }),
  counts: Type.Array(JsonFloat),
  relative_walltime: Nullable(Type.Number({ description: 'Seconds since the first step' })),
  precision: Type.String({ description: 'i32, u8 or kde' }),
  kernel: Type.Optional(Nullable(Type.String())),
  bandwidth: Type.Optional(Nullable(Type.Union([Type.Number(), Type.String()]))),
  sample_count: Type.Optional(Nullable(Type.Integer())),
  range_min: Type.Optional(Nullable(Type.Number())),
  range_max: Type.Optional(Nullable(Type.Number())),
});
export const HistogramEntries = Type.Object({
  experiment_id: Type.String(),
  histogram_name: Type.String(),
  data: Type.Array(HistogramEntry),
});

export const Surface = Type.Object({
  experiment_id: Type.String(),
  histogram_name: Type.String(),
  axis_values: Type.Array(Type.Number()),
  axis_type: Type.Enum(['step', 'global_step', 'relative_walltime']),
  axis_requested: Type.Enum(['step', 'global_step', 'relative_walltime']),
  axis_label: Type.String(),
  axis_stats: Type.Object({
    min: Nullable(Type.Number()),
    max: Nullable(Type.Number()),
    count: Type.Integer(),
  }),
  steps: Type.Array(Type.Integer()),
  global_steps: Type.Array(Nullable(Type.Integer())),
  bin_edges: Type.Array(Type.Number()),
  bin_centers: Type.Array(Type.Number()),
  bin_range: Type.Object({ min: Type.Number(), max: Type.Number() }),
  matrix: Type.Array(Type.Array(JsonFloat)),
  raw_max_value: JsonFloat,
  downsample_rate: Type.Integer(),
  original_entries: Type.Integer(),
  sampled_entries: Type.Integer(),
  normalize: Type.Enum(['none', 'per-step', 'global']),
});

export const TensorStats = Type.Object({
  numel: Type.Integer(),
  min: JsonFloat,
  max: JsonFloat,
  mean: JsonFloat,
  std: JsonFloat,
  nan_count: Type.Integer(),
  inf_count: Type.Integer(),
  zero_count: Type.Integer(),
});

/**
 * Nested arrays of values (encoding=json): numbers, non-finite markers, booleans, 64-bit integers as text.
 * Its TypeScript type is written out in api-types.ts (a recursive type).
 */
export const NestedData = Type.Unknown({ description: 'Nested arrays in the tensor shape' });

export const TensorEntry = Type.Object({
  step: Type.Integer(),
  global_step: Nullable(Type.Integer()),
  namespace: Nullable(Type.String()),
  dtype: Nullable(Type.String()),
  shape: Nullable(Type.Array(Type.Integer(), { description: 'As recorded (data_shape: of the payload)' })),
  size_bytes: Nullable(Type.Integer()),
  metadata: JsonObject,
  data_dtype: Type.Optional(Nullable(Type.String())),
  data_shape: Type.Optional(Nullable(Type.Array(Type.Integer()))),
  stats: Type.Optional(TensorStats),
  encoding: Type.Optional(Type.Enum(['npy_base64', 'json'])),
  data: Type.Optional(NestedData),
  data_base64: Type.Optional(Type.String()),
});
export const TensorEntries = Type.Object({
  experiment_id: Type.String(),
  tensor_name: Type.String(),
  entries: Type.Array(TensorEntry),
});

export const KdeEntry = Type.Object({
  step: Type.Integer(),
  global_step: Nullable(Type.Integer()),
  relative_walltime: Nullable(Type.Number()),
  kernel: Nullable(Type.String()),
  bandwidth: Nullable(Type.Union([Type.Number(), Type.String()])),
  sample_count: Nullable(Type.Integer()),
  range_min: Nullable(Type.Number()),
  range_max: Nullable(Type.Number()),
  num_points: Nullable(Type.Integer()),
  metadata: JsonObject,
  grid: Type.Optional(Type.Array(JsonFloat, { description: 'The entry’s own grid (without points)' })),
  density: Type.Array(JsonFloat),
});
export const KdeEntries = Type.Object({
  experiment_id: Type.String(),
  kernel_density_name: Type.String(),
  grid: Nullable(Type.Array(Type.Number())),
  entries: Type.Array(KdeEntry),
});

export const LogChunk = Type.Object({
  name: Type.String(),
  size: Type.Integer(),
  offset: Type.Integer(),
  next_offset: Type.Integer(),
  eof: Type.Boolean(),
  reset: Type.Boolean(),
  content: Type.String(),
});

const BatchErrors = Type.Record(Type.String(), ErrorDetail);

export const BatchSummary = Type.Union([
  Type.Record(Type.String(), RunSummary, { description: 'By run id (without envelope)' }),
  Type.Object({ results: Type.Record(Type.String(), RunSummary), errors: BatchErrors }),
]);

export const BatchScalars = Type.Union([
  Type.Record(Type.String(), Type.Record(Type.String(), SeriesBody), {
    description: 'Run id -> metric -> series (without envelope)',
  }),
  Type.Object({
    results: Type.Record(Type.String(), Type.Record(Type.String(), SeriesBody)),
    errors: BatchErrors,
  }),
]);

export const BatchConfig = Type.Object({
  keys: Type.Array(Type.String()),
  differing: Type.Array(Type.String()),
  configs: Type.Record(Type.String(), Type.Record(Type.String(), JsonAny)),
  missing_runs: Type.Array(Type.String()),
});

// ---------------------------------------------------------------------------------------------------------
// Response maps of routes (status -> schema); every route also answers 4xx/5xx with ErrorBody

export const KBC_TYPE = 'application/x-kohakuboard-kbc';
export const KBC_STREAM_TYPE = 'application/x-kohakuboard-kbc-stream';
const JSON_MEDIA = 'application/json';

/** `{200: schema}` plus the error body; `etag` adds the 304 of conditional requests. */
export function jsonResponses(schema: TSchema, options: { etag?: boolean } = {}) {
  return {
    200: schema,
    ...(options.etag ? { 304: { description: 'Not modified (If-None-Match)', type: 'null' } } : {}),
    '4xx': ErrorBody,
    '5xx': ErrorBody,
  };
}

/** A 200 that is JSON or another encoding chosen by a parameter. */
export function alternativeResponses(schema: TSchema, others: Record<string, string>, etag = false) {
  return {
    200: {
      description: 'OK',
      content: {
        [JSON_MEDIA]: { schema },
        ...Object.fromEntries(
          Object.entries(others).map(([type, description]) => [type, { schema: { ...Binary, description } }]),
        ),
      },
    },
    ...(etag ? { 304: { description: 'Not modified (If-None-Match)', type: 'null' } } : {}),
    '4xx': ErrorBody,
    '5xx': ErrorBody,
  };
}

/** A blob with Range support (docs/api.md#media-files). */
export const EXPORT_RESPONSES = {
  200: binary(
    'The table as an attachment, streamed',
    'text/csv',
    'application/vnd.apache.parquet',
    'application/jsonl',
  ),
  '4xx': ErrorBody,
  '5xx': ErrorBody,
};

export const BLOB_RESPONSES = {
  200: binary('The blob; Content-Type from its extension', 'application/octet-stream'),
  206: binary('A byte range (Range: bytes=a-b, a- or -n)', 'application/octet-stream'),
  304: { description: 'Not modified (If-None-Match)', type: 'null' },
  416: ErrorBody,
  '4xx': ErrorBody,
  '5xx': ErrorBody,
};

export const EVENT_STREAM_RESPONSES = {
  200: {
    description: 'Server-Sent Events: hello, run_added, run_removed, run_updated, run_data, resync',
    content: { 'text/event-stream': { schema: Type.String() } },
  },
  '4xx': ErrorBody,
};
