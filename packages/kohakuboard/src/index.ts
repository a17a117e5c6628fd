/**
 * kohakuboard: log from your training loop without slowing it; the data lands in a run folder that
 * `kobo open` (and the Python KohakuBoard) can show.
 */

export { Board, type LogValue } from './client/board.js';
export type { BoardOptions } from './client/board-options.js';
export { Histogram, type HistogramOptions } from './client/histogram.js';
export { type KdeOptions, KernelDensity } from './client/kernel-density.js';
export { type ImageInput, Media, type RawImage } from './client/media.js';
export type { NumericInput } from './client/numeric-input.js';
export type { ScalarLike } from './client/scalar-value.js';
export { type ColumnType, Table, type TableCell } from './client/table.js';
export { type TensorDType, type TensorInput, TensorLog } from './client/tensor.js';
export { VERSION } from './version.js';
