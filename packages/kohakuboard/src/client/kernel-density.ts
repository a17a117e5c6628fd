/**
 * KernelDensity (docs/client.md#kerneldensity): from raw samples (the writer computes the density) or from a
 * precomputed grid and density. The constructor validates the options; `captureKde` copies the arrays at log
 * time.
 */
import { stringifyDialectJson } from '../storage/index.js';
import type { KdeItem } from '../writer/messages.js';
import { refuseProblem, takeData } from './data-problem.js';
import { describeValue } from './errors.js';
import { looksNumeric, type NumericInput, toFloat32Array, toFloat64Array } from './numeric-input.js';

export interface KdeOptions {
  kernel?: 'gaussian';
  bandwidth?: number | 'auto';
  numPoints?: number;
  percentileClip?: [number, number];
  rangeMin?: number;
  rangeMax?: number;
  sampleCount?: number;
  metadata?: Record<string, unknown>;
  approximate?: boolean;
  approximateBins?: number;
}

export type KdeData = { values: NumericInput } | { grid: NumericInput; density: NumericInput };

const finite = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);

export class KernelDensity {
  readonly options: Readonly<
    Required<Omit<KdeOptions, 'rangeMin' | 'rangeMax' | 'sampleCount' | 'approximateBins' | 'metadata'>>
  > & {
    rangeMin: number | null;
    rangeMax: number | null;
    sampleCount: number | null;
    approximateBins: number | null;
  };
  readonly metadataJson: string;
  private readonly data: KdeData;
  /**
   * @internal Null, or why log() skips this density (values and a grid together, lengths that differ, …).
   * Recorded instead of thrown, so that a mistake never ends a training loop.
   */
  readonly problem: string | null;

  constructor(data: KdeData, options: KdeOptions = {}) {
    if (options === null || typeof options !== 'object')
      throw new TypeError('KernelDensity options must be an object');
    const {
      kernel = 'gaussian',
      bandwidth = 'auto',
      numPoints = 256,
      percentileClip = [1, 99],
      rangeMin,
      rangeMax,
      sampleCount,
      metadata,
      approximate = false,
      approximateBins,
    } = options;
    if (kernel !== 'gaussian')
      throw new TypeError(`KernelDensity kernel must be "gaussian", got ${describeValue(kernel)}`);
    if (bandwidth !== 'auto' && !(finite(bandwidth) && bandwidth > 0)) {
      throw new TypeError(
        `KernelDensity bandwidth must be "auto" or a finite number > 0, got ${describeValue(bandwidth)}`,
      );
    }
    if (!Number.isInteger(numPoints) || numPoints < 2) {
      throw new TypeError(`KernelDensity numPoints must be an integer ≥ 2, got ${describeValue(numPoints)}`);
    }
    if (
      !Array.isArray(percentileClip) ||
      percentileClip.length !== 2 ||
      !percentileClip.every(finite) ||
      !(percentileClip[0] < percentileClip[1])
    ) {
      throw new TypeError(
        `KernelDensity percentileClip must be [low, high] with low < high, got ${describeValue(percentileClip)}`,
      );
    }
    for (const [key, v] of [
      ['rangeMin', rangeMin],
      ['rangeMax', rangeMax],
    ] as const) {
      if (v !== undefined && !finite(v))
        throw new TypeError(`KernelDensity ${key} must be a finite number, got ${describeValue(v)}`);
    }
    if (sampleCount !== undefined && !(Number.isSafeInteger(sampleCount) && sampleCount >= 0)) {
      throw new TypeError(
        `KernelDensity sampleCount must be a non-negative integer, got ${describeValue(sampleCount)}`,
      );
    }
    if (typeof approximate !== 'boolean') throw new TypeError('KernelDensity approximate must be a boolean');
    if (approximateBins !== undefined && !(Number.isInteger(approximateBins) && approximateBins >= 1)) {
      throw new TypeError(
        `KernelDensity approximateBins must be a positive integer, got ${describeValue(approximateBins)}`,
      );
    }
    if (
      metadata !== undefined &&
      (metadata === null || typeof metadata !== 'object' || Array.isArray(metadata))
    ) {
      throw new TypeError(`KernelDensity metadata must be an object, got ${describeValue(metadata)}`);
    }
    try {
      this.metadataJson = stringifyDialectJson(metadata ?? {});
    } catch (err) {
      throw new TypeError(`KernelDensity metadata cannot be serialised: ${(err as Error).message}`);
    }
    // Options wrong in themselves threw above; what is wrong with the data is recorded for log() to report.
    this.problem = takeData(
      () => checkKdeData(data),
      () => undefined,
    ).problem;
    this.data = data;
    this.options = {
      kernel,
      bandwidth,
      numPoints,
      percentileClip: [percentileClip[0], percentileClip[1]],
      rangeMin: rangeMin ?? null,
      rangeMax: rangeMax ?? null,
      sampleCount: sampleCount ?? null,
      approximate,
      approximateBins: approximateBins ?? null,
    };
  }

  /** @internal The data as given. */
  get input(): KdeData {
    return this.data;
  }
}

/** Throws a TypeError saying why the data of a KernelDensity cannot be stored. */
function checkKdeData(data: unknown): void {
  if (data === null || typeof data !== 'object') {
    throw new TypeError('KernelDensity takes { values } or { grid, density }');
  }
  const hasValues = 'values' in data && (data as { values?: unknown }).values !== undefined;
  const hasGrid =
    ('grid' in data && data.grid !== undefined) || ('density' in data && data.density !== undefined);
  if (hasValues === hasGrid) {
    throw new TypeError(
      'KernelDensity takes either { values } or { grid, density }, not both and not neither',
    );
  }
  if (hasValues) {
    if (!looksNumeric((data as { values: unknown }).values))
      throw new TypeError('KernelDensity values must be an array of numbers');
  } else {
    const { grid, density } = data as { grid: unknown; density: unknown };
    if (!looksNumeric(grid) || !looksNumeric(density)) {
      throw new TypeError('KernelDensity grid and density must both be arrays of numbers');
    }
    const g = toFloat64Array(grid, 'KernelDensity grid').length;
    const d = toFloat64Array(density, 'KernelDensity density').length;
    if (g < 1 || g !== d)
      throw new TypeError(`KernelDensity grid and density need equal lengths ≥ 1, got ${g} and ${d}`);
  }
}

export function captureKde(k: KernelDensity, name: string): KdeItem {
  refuseProblem(k.problem);
  const o = k.options;
  const item: KdeItem = {
    kind: 'kde',
    name,
    bandwidth: o.bandwidth,
    numPoints: o.numPoints,
    percentileClip: [o.percentileClip[0], o.percentileClip[1]],
    rangeMin: o.rangeMin,
    rangeMax: o.rangeMax,
    sampleCount: o.sampleCount,
    approximate: o.approximate,
    approximateBins: o.approximateBins,
    metadata: k.metadataJson,
  };
  const data = k.input;
  if ('values' in data) item.values = toFloat64Array(data.values, 'KernelDensity values');
  else {
    item.grid = toFloat32Array(data.grid, 'KernelDensity grid');
    item.density = toFloat32Array(data.density, 'KernelDensity density');
  }
  return item;
}
