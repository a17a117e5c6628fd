/**
 * Media (docs/client.md#media): images (file paths, encoded bytes, pixel arrays), video and audio.
 * The constructor validates; `captureMedia` runs at log time on the caller's thread: it reads files and
 * copies bytes and pixels, so that later changes to the file or the buffer do not change what was logged.
 */
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { startsWithKvHeaderMagic } from '../storage/index.js';
import { detectImageFormat } from '../writer/image-header.js';
import type { MediaItem, RawPixels } from '../writer/messages.js';
import { refuseProblem, takeData } from './data-problem.js';
import { describeValue } from './errors.js';

export type RawImage =
  | {
      data: Uint8Array | Uint8ClampedArray | Float32Array | Float64Array | number[];
      width: number;
      height: number;
      channels?: 1 | 2 | 3 | 4;
    }
  | {
      data: Uint8Array | Uint8ClampedArray | Float32Array | Float64Array | number[];
      shape: [number, number] | [number, number, number];
      layout?: 'HWC' | 'CHW';
    };
export type ImageInput = string | Uint8Array | RawImage;
export type MediaType = 'image' | 'video' | 'audio' | 'auto';

export interface MediaOptions {
  caption?: string;
  mediaType?: MediaType;
  format?: string;
}

const EXTENSIONS: Record<'image' | 'video' | 'audio', string[]> = {
  image: ['.png', '.jpg', '.jpeg', '.gif', '.webp', '.bmp', '.tiff', '.tif'],
  video: ['.mp4', '.avi', '.mov', '.mkv', '.webm', '.flv', '.wmv', '.m4v'],
  audio: ['.mp3', '.wav', '.flac', '.ogg', '.m4a', '.aac', '.wma'],
};
const DEFAULT_FORMAT = { image: 'png', video: 'mp4', audio: 'wav' } as const;
const MEDIA_TYPES: readonly MediaType[] = ['image', 'video', 'audio', 'auto'];

/** The layout of a validated RawImage. */
interface RawLayout {
  width: number;
  height: number;
  channels: 1 | 2 | 3 | 4;
  chw: boolean;
}

type Source =
  | { kind: 'path'; path: string; format: string }
  | { kind: 'bytes'; bytes: Uint8Array; format: string }
  | { kind: 'raw'; raw: RawImage; layout: RawLayout };

export class Media {
  readonly data: ImageInput | string | Uint8Array;
  readonly caption: string;
  readonly mediaType: MediaType;
  /** What `data` turned out to be, and its stored type (null when the data is unusable). */
  private readonly source: (Source & { type: 'image' | 'video' | 'audio' }) | null;
  private readonly storedType: 'image' | 'video' | 'audio';
  /**
   * @internal Null, or why log() skips this media (bytes of no known format, pixels that do not fit their
   * size, …). Recorded instead of thrown, so that a mistake never ends a training loop.
   */
  readonly problem: string | null;

  constructor(data: ImageInput | string | Uint8Array, options: MediaOptions = {}) {
    if (options === null || typeof options !== 'object')
      throw new TypeError('Media options must be an object');
    const { caption = '', mediaType = 'image', format } = options;
    if (typeof caption !== 'string')
      throw new TypeError(`Media caption must be a string, got ${describeValue(caption)}`);
    if (!MEDIA_TYPES.includes(mediaType)) {
      throw new TypeError(
        `Media mediaType must be one of ${MEDIA_TYPES.join(', ')}, got ${describeValue(mediaType)}`,
      );
    }
    if (format !== undefined && (typeof format !== 'string' || format.replace(/^\./, '') === '')) {
      throw new TypeError(
        `Media format must be a non-empty string such as "png", got ${describeValue(format)}`,
      );
    }
    const givenFormat = format?.replace(/^\./, '').toLowerCase();
    this.data = data;
    this.caption = caption;
    this.mediaType = mediaType;
    // Options wrong in themselves threw above; what is wrong with the data is recorded for log() to report.
    const { value, problem } = takeData(
      () => resolveSource(data, mediaType, givenFormat),
      () => null,
    );
    this.source = value;
    this.storedType = value?.type ?? (mediaType === 'auto' ? 'image' : mediaType);
    this.problem = problem;
  }

  /** The type the media is stored as. */
  get type(): 'image' | 'video' | 'audio' {
    return this.storedType;
  }

  /** @internal Used by captureMedia (after it has refused a media with a problem). */
  get resolvedSource(): Source | null {
    return this.source;
  }
}

/** What the data of a Media is, or a TypeError saying why it cannot be stored. */
function resolveSource(
  data: unknown,
  mediaType: MediaType,
  givenFormat: string | undefined,
): Source & { type: 'image' | 'video' | 'audio' } {
  if (typeof data === 'string') {
    if (data === '') throw new TypeError('Media path is empty');
    const ext = extname(data).toLowerCase();
    const type = mediaType === 'auto' ? typeFromExtension(ext, data) : mediaType;
    return {
      kind: 'path',
      path: data,
      format: ext ? ext.slice(1) : (givenFormat ?? DEFAULT_FORMAT[type]),
      type,
    };
  }
  if (data instanceof Uint8Array) {
    const magic = detectImageFormat(data);
    let type: 'image' | 'video' | 'audio';
    if (mediaType === 'auto') {
      if (!magic)
        throw new TypeError(
          'Media bytes are not a PNG, JPEG, GIF, WebP or BMP image; give mediaType and format',
        );
      type = 'image';
    } else type = mediaType;
    const fmt = type === 'image' ? (magic ?? givenFormat) : givenFormat;
    if (!fmt) {
      throw new TypeError(
        type === 'image'
          ? 'Media bytes are not a PNG, JPEG, GIF, WebP or BMP image; give their format (e.g. { format: "tiff" })'
          : `Media ${type} bytes need a format (e.g. { format: "${DEFAULT_FORMAT[type]}" })`,
      );
    }
    return { kind: 'bytes', bytes: data, format: fmt, type };
  }
  if (data !== null && typeof data === 'object' && 'data' in data) {
    if (mediaType !== 'image' && mediaType !== 'auto') {
      throw new TypeError(`Media: pixel arrays are images, not ${mediaType}`);
    }
    const raw = data as RawImage;
    return { kind: 'raw', raw, layout: rawLayout(raw), type: 'image' };
  }
  throw new TypeError(
    `Media data must be a file path, a Uint8Array of an encoded file, or a pixel array { data, width, height } / { data, shape }, got ${describeValue(data)}`,
  );
}

function typeFromExtension(ext: string, path: string): 'image' | 'video' | 'audio' {
  for (const type of ['image', 'video', 'audio'] as const) if (EXTENSIONS[type].includes(ext)) return type;
  throw new TypeError(`Media: cannot tell the type of "${path}" from its extension; give mediaType`);
}

function rawLayout(raw: RawImage): RawLayout {
  const data = raw.data as unknown;
  if (
    !(
      Array.isArray(data) ||
      data instanceof Uint8Array ||
      data instanceof Uint8ClampedArray ||
      data instanceof Float32Array ||
      data instanceof Float64Array
    )
  ) {
    throw new TypeError(
      `Media pixel data must be a Uint8Array, Uint8ClampedArray, Float32Array, Float64Array or number[], got ${describeValue(data)}`,
    );
  }
  const n = (data as ArrayLike<number>).length;
  const isDim = (x: unknown) => Number.isSafeInteger(x) && (x as number) > 0;
  let width: number;
  let height: number;
  let channels: number;
  let chw = false;
  if ('shape' in raw) {
    const shape = raw.shape as unknown;
    if (!Array.isArray(shape) || (shape.length !== 2 && shape.length !== 3) || !shape.every(isDim)) {
      throw new TypeError(
        `Media pixel shape must be [height, width] or a 3-element shape of positive integers, got ${describeValue(shape)}`,
      );
    }
    if (raw.layout !== undefined && raw.layout !== 'HWC' && raw.layout !== 'CHW') {
      throw new TypeError(`Media pixel layout must be "HWC" or "CHW", got ${describeValue(raw.layout)}`);
    }
    if (shape.length === 2) {
      [height, width] = shape;
      channels = 1;
    } else {
      const [a, b, c] = shape as number[];
      const small = (x: number) => x >= 1 && x <= 4;
      chw = raw.layout === 'CHW' || (raw.layout === undefined && !small(c) && small(a));
      if (chw) [channels, height, width] = [a, b, c];
      else [height, width, channels] = [a, b, c];
    }
  } else {
    const r = raw as { width: unknown; height: unknown; channels?: unknown };
    if (!isDim(r.width) || !isDim(r.height)) {
      throw new TypeError(
        `Media pixel width and height must be positive integers, got ${describeValue(r.width)} × ${describeValue(r.height)}`,
      );
    }
    width = r.width as number;
    height = r.height as number;
    channels = r.channels === undefined ? n / (width * height) : (r.channels as number);
  }
  if (!(Number.isInteger(channels) && channels >= 1 && channels <= 4)) {
    throw new TypeError(`Media pixel arrays need 1 to 4 channels, got ${channels}`);
  }
  if (n !== width * height * channels) {
    throw new TypeError(
      `Media pixel data has ${n} values; ${height}×${width}×${channels} needs ${width * height * channels}`,
    );
  }
  return { width, height, channels: channels as 1 | 2 | 3 | 4, chw };
}

/** A copy in a buffer of its own, safe to transfer. */
function ownCopy(bytes: Uint8Array): Uint8Array {
  if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && !Buffer.isBuffer(bytes)) {
    return bytes.slice();
  }
  const out = new Uint8Array(bytes.byteLength);
  out.set(bytes);
  return out;
}

/**
 * Reads or copies a Media's data at log time. Throws an Error whose message says what was wrong (an
 * unreadable file, bytes the format reserves); the caller reports it and skips the item.
 */
export function captureMedia(media: Media, name: string): MediaItem {
  refuseProblem(media.problem);
  const src = media.resolvedSource as Source;
  const base = { kind: 'media' as const, name, caption: media.caption, mediaType: media.type };
  if (src.kind === 'raw') return { ...base, pixels: capturePixels(src.raw, src.layout) };
  let bytes: Uint8Array;
  if (src.kind === 'path') {
    try {
      const file = readFileSync(src.path);
      // Small buffers may be slices of Node's shared pool, which must not be transferred: copy those.
      bytes =
        file.byteLength > 4096 && file.byteOffset === 0 && file.byteLength === file.buffer.byteLength
          ? new Uint8Array(file.buffer)
          : ownCopy(file);
    } catch (err) {
      throw new Error(
        `cannot read ${src.path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      );
    }
  } else {
    bytes = ownCopy(src.bytes);
  }
  if (startsWithKvHeaderMagic(bytes)) {
    throw new Error('its bytes start with 89 4B, which the storage format reserves; it cannot be stored');
  }
  return { ...base, bytes, format: src.format };
}

/** Interleaved HWC copy of a pixel array (transposed from CHW when needed). */
function capturePixels(raw: RawImage, layout: RawLayout): RawPixels {
  const data = raw.data as ArrayLike<number>;
  let isFloat = data instanceof Float32Array || data instanceof Float64Array;
  let out: Uint8Array | Float32Array | Float64Array;
  if (data instanceof Uint8Array || data instanceof Uint8ClampedArray) out = new Uint8Array(data.length);
  else if (data instanceof Float32Array) out = new Float32Array(data.length);
  else {
    out = new Float64Array(data.length);
    if (!isFloat) for (let i = 0; i < data.length; i++) if (!Number.isInteger(data[i])) isFloat = true;
  }
  const { width, height, channels, chw } = layout;
  if (!chw) out.set(data);
  else {
    const plane = width * height;
    for (let c = 0; c < channels; c++) {
      for (let p = 0; p < plane; p++) out[p * channels + c] = data[c * plane + p];
    }
  }
  return { data: out, width, height, channels, isFloat };
}
