/**
 * The read API's types, inferred from the route schemas (schemas.ts): the server's handlers and the web UI
 * (`import type … from 'kohakuboard/api-types'`) use the same declarations.
 */
import type { Static } from 'typebox';
import type * as S from './schemas.js';

export type JsonFloat = Static<typeof S.JsonFloat>;
export type RunStatus = Static<typeof S.RunStatus>;
export type ErrorDetail = Static<typeof S.ErrorDetail>;
export type ErrorBody = Static<typeof S.ErrorBody>;

export type Health = Static<typeof S.Health>;
export type SystemInfo = Static<typeof S.SystemInfo>;
export type ProjectInfo = Static<typeof S.ProjectInfo>;
export type ProjectList = Static<typeof S.ProjectList>;
export type RunRecord = Static<typeof S.RunRecord>;
export type RunListEntry = Static<typeof S.RunListEntry>;
export type RunList = Static<typeof S.RunList>;
export type ConfigKey = Static<typeof S.ConfigKey>;
export type ConfigKeysResponse = Static<typeof S.ConfigKeys>;
export type RunStatusInfo = Static<typeof S.RunStatusInfo>;
export type MetricSummary = Static<typeof S.MetricSummary>;
export type RunMetricSummaries = Static<typeof S.RunMetricSummaries>;
export type MetricSummaries = Static<typeof S.MetricSummaries>;
export type PatchRunBody = Static<typeof S.PatchRunBody>;
export type PatchRunResponse = Static<typeof S.PatchRunResponse>;
export type RunMetadata = Static<typeof S.RunMetadata>;
export type AvailableData = Static<typeof S.AvailableData>;
export type RunSummary = Static<typeof S.RunSummary>;
export type RunConfigResponse = Static<typeof S.RunConfig>;
export type MetricDetail = Static<typeof S.MetricDetail>;
export type ScalarList = Static<typeof S.ScalarList>;
export type MediaNameDetail = Static<typeof S.MediaNameDetail>;
export type MediaList = Static<typeof S.MediaList>;
export type LogFileInfo = Static<typeof S.LogFileInfo>;
export type LogList = Static<typeof S.LogList>;
export type DownsamplingInfo = Static<typeof S.DownsamplingInfo>;
export type SeriesBody = Static<typeof S.SeriesBody>;
export type ScalarSeriesJson = Static<typeof S.ScalarSeries>;
export type MediaEntry = Static<typeof S.MediaEntry>;
export type MediaResponse = Static<typeof S.MediaEntries>;
export type TableEntry = Static<typeof S.TableEntry>;
export type ResolvedMedia = Static<typeof S.ResolvedMedia>;
export type TableResponse = Static<typeof S.TableEntries>;
export type HistogramEntry = Static<typeof S.HistogramEntry>;
export type HistogramResponse = Static<typeof S.HistogramEntries>;
export type SurfaceResponse = Static<typeof S.Surface>;
export type TensorStats = Static<typeof S.TensorStats>;
/** Tensor values with encoding=json, in the tensor's shape (the schema says only "any JSON"). */
export type NestedData = JsonFloat | string | boolean | NestedData[];
export type TensorEntry = Omit<Static<typeof S.TensorEntry>, 'data'> & { data?: NestedData };
export type TensorResponse = Omit<Static<typeof S.TensorEntries>, 'entries'> & { entries: TensorEntry[] };
export type KdeEntry = Static<typeof S.KdeEntry>;
export type KdeResponse = Static<typeof S.KdeEntries>;
export type LogChunk = Static<typeof S.LogChunk>;
export type BatchSummaryBody = Static<typeof S.BatchSummaryBody>;
export type BatchScalarsBody = Static<typeof S.BatchScalarsBody>;
export type BatchConfigBody = Static<typeof S.BatchConfigBody>;
export type BatchConfigResponse = Static<typeof S.BatchConfig>;
