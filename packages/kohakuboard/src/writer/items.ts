/**
 * Turning the large items of a logging call into pending rows and blobs (the writer's heavy work,
 * docs/client.md#the-writer): PNG encoding and hashing of media, histogram binning, NPY encoding and casts of
 * tensors, KDE computation and NPZ encoding. A failing item is reported in writer.log and skipped; the others
 * are stored.
 */
import {
  encodeKdeNpz,
  encodeNpy,
  histogramFileName,
  mediaBlobKey,
  mediaHash,
  type NpyDtypeName,
  namespaceOf,
  npyDescr,
  quantizeU8,
  shownName,
  startsWithKvHeaderMagic,
  tensorLocation,
} from '../storage/index.js';
import { errorStack } from '../util/error-text.js';
import { binValuesInPlace } from './histogram-bins.js';
import { readImageSize } from './image-header.js';
import { computeKde } from './kde.js';
import type { LogFile } from './log-file.js';
import type { HistogramItem, KdeItem, LogItem, MediaItem, TableItem, TensorItem } from './messages.js';
import type { MediaOp, PendingData } from './pending.js';
import { encodePixelsAsPng } from './png.js';
import { pythonFloatRepr } from './python-float.js';
import { castTensor, type TensorDtypeName, tensorBytes } from './tensor-cast.js';

export interface ItemContext {
  step: number;
  globalStep: number;
  pending: PendingData;
  log: LogFile;
}

/** Processes one item; returns false when it failed (already reported). */
export function processItem(item: LogItem, ctx: ItemContext): boolean {
  try {
    switch (item.kind) {
      case 'media':
        return addMedia(item, ctx) !== null;
      case 'table':
        addTable(item, ctx);
        return true;
      case 'histogram':
        addHistogram(item, ctx);
        return true;
      case 'tensor':
        addTensor(item, ctx);
        return true;
      case 'kde':
        return addKde(item, ctx);
    }
  } catch (err) {
    ctx.log.error(
      `Error processing ${item.kind} '${shownName(item.name)}' at step ${ctx.step}: ${errorStack(err)}`,
    );
    return false;
  }
}

function addMedia(item: MediaItem, ctx: ItemContext): MediaOp | null {
  let bytes: Uint8Array;
  let format: string;
  let width: number | null = null;
  let height: number | null = null;
  if (item.pixels) {
    bytes = encodePixelsAsPng(item.pixels);
    format = 'png';
    width = item.pixels.width;
    height = item.pixels.height;
  } else if (item.bytes && item.format) {
    bytes = item.bytes;
    format = item.format;
    if (item.mediaType === 'image') {
      const size = readImageSize(bytes);
      if (size) ({ width, height } = size);
    }
  } else {
    throw new Error('the media item has neither bytes nor pixels');
  }
  if (startsWithKvHeaderMagic(bytes))
    throw new Error('the bytes start with 89 4B, which the format reserves');
  const key = mediaBlobKey(mediaHash(bytes), format);
  if (!ctx.pending.mediaBlobs.has(key)) ctx.pending.mediaBlobs.set(key, { bytes, kind: item.mediaType });
  const op: MediaOp = {
    op: 'media',
    blobKey: key,
    row: {
      media_hash: key.slice(0, key.indexOf('.')),
      format,
      step: ctx.step,
      global_step: ctx.globalStep,
      name: item.name,
      caption: item.caption,
      type: item.mediaType,
      size_bytes: bytes.length,
      width,
      height,
    },
  };
  ctx.pending.ops.push(op);
  return op;
}

function addTable(item: TableItem, ctx: ItemContext): void {
  const media = item.media.map((m) => {
    if (m === null) return null;
    try {
      return addMedia(m, ctx);
    } catch (err) {
      ctx.log.error(
        `Error processing media cell '${shownName(m.name)}' of table '${shownName(item.name)}' at step ${ctx.step}: ${(err as Error).message}`,
      );
      return null;
    }
  });
  for (const f of item.fallbacks) {
    ctx.log.warning(
      `Table '${shownName(item.name)}' at step ${ctx.step}: cell ${f} is not JSON; stored as its string form`,
    );
  }
  ctx.pending.ops.push({
    op: 'table',
    step: ctx.step,
    globalStep: ctx.globalStep,
    name: item.name,
    columns: JSON.stringify(item.columns),
    columnTypes: JSON.stringify(item.columnTypes),
    rows: item.rows,
    media,
  });
  ctx.log.debug(`Logged table '${shownName(item.name)}' at step ${ctx.step}`);
}

function addHistogram(item: HistogramItem, ctx: ItemContext): void {
  let bins: { min: number; max: number; counts: ArrayLike<number> } | null;
  if (item.values) {
    const values = item.values instanceof Float64Array ? item.values : new Float64Array(item.values);
    bins = binValuesInPlace(values, item.numBins, item.range);
  } else if (item.computed && item.computed !== 'empty') {
    bins = item.computed;
    if (item.computed.nonUniformEdges) {
      ctx.log.warning(
        `Histogram '${shownName(item.name)}' at step ${ctx.step}: its bin edges are not uniform; only the first and last edge are stored`,
      );
    }
  } else bins = null;
  if (bins === null) {
    ctx.log.debug(
      `Histogram '${shownName(item.name)}' at step ${ctx.step} has no finite values; nothing stored`,
    );
    return;
  }
  const precision = item.precision === 'compact' ? 'u8' : 'i32';
  const K = bins.counts.length;
  const fileName = histogramFileName(item.name, K, precision);
  let file = ctx.pending.histograms.get(fileName);
  if (!file) {
    file = { numBins: K, precision, rows: [] };
    ctx.pending.histograms.set(fileName, file);
  }
  file.rows.push({
    step: ctx.step,
    globalStep: ctx.globalStep,
    name: item.name,
    counts: precision === 'u8' ? quantizeU8(bins.counts) : bins.counts,
    min: bins.min,
    max: bins.max,
  });
}

function putPayload(ctx: ItemContext, name: string, bytes: Uint8Array, kind: string) {
  const { kvFile, key } = tensorLocation(name, ctx.step);
  let file = ctx.pending.tensorBlobs.get(kvFile);
  if (!file) {
    file = new Map();
    ctx.pending.tensorBlobs.set(kvFile, file);
  }
  file.set(key, { bytes, kind });
  return { kvFile, key };
}

function addTensor(item: TensorItem, ctx: ItemContext): void {
  const data = castTensor(item.data, item.sourceDtype, item.dtype as TensorDtypeName);
  const npy = encodeNpy(npyDescr(item.dtype as NpyDtypeName), item.shape, tensorBytes(data));
  const { kvFile, key } = putPayload(ctx, item.name, npy, 'tensor');
  ctx.pending.ops.push({
    op: 'tensor',
    row: {
      step: ctx.step,
      global_step: ctx.globalStep,
      name: item.name,
      namespace: namespaceOf(item.name),
      kv_file: kvFile,
      kv_key: key,
      dtype: item.dtype,
      shape: JSON.stringify(item.shape),
      size_bytes: npy.length,
      metadata: item.metadata,
    },
  });
}

function addKde(item: KdeItem, ctx: ItemContext): boolean {
  let grid: Float32Array;
  let density: Float32Array;
  let bandwidth: number | null;
  let sampleCount: number;
  let rangeMin: number;
  let rangeMax: number;
  if (item.values) {
    const r = computeKde(item.values, item);
    if (r === null) {
      ctx.log.warning(
        `Kernel density '${shownName(item.name)}' at step ${ctx.step} has no finite samples; nothing stored`,
      );
      return false;
    }
    ({ grid, density, bandwidth, sampleCount, rangeMin, rangeMax } = r);
  } else if (item.grid && item.density) {
    grid = item.grid;
    density = item.density;
    bandwidth = typeof item.bandwidth === 'number' ? item.bandwidth : null;
    sampleCount = item.sampleCount ?? grid.length;
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    for (const g of grid) {
      if (g < lo) lo = g;
      if (g > hi) hi = g;
    }
    rangeMin = item.rangeMin ?? lo;
    rangeMax = item.rangeMax ?? hi;
  } else {
    throw new Error('the item has neither samples nor a grid and density');
  }
  const npz = encodeKdeNpz(grid, density);
  const { kvFile, key } = putPayload(ctx, item.name, npz, 'kde');
  ctx.pending.ops.push({
    op: 'kde',
    row: {
      step: ctx.step,
      global_step: ctx.globalStep,
      name: item.name,
      kv_file: kvFile,
      kv_key: key,
      kernel: 'gaussian',
      bandwidth: bandwidth === null ? null : pythonFloatRepr(bandwidth),
      sample_count: sampleCount,
      range_min: rangeMin,
      range_max: rangeMax,
      num_points: grid.length,
      metadata: item.metadata,
    },
  });
  return true;
}
