/**
 * One TensorBoard summary value as KohakuBoard rows (docs/tensorboard.md#mapping): both conventions, the
 * legacy values of PyTorch and tensorboardX (`simple_value`, `histo`, `image`, `audio`) and TensorFlow 2's
 * tensors marked by their plugin (`scalars`, `histograms`, `images`, `audio`, `text`), plus the hparams
 * plugin's session records. Everything else is counted as skipped.
 */
import { type JsonValue, mediaBlobKey, mediaHash, startsWithKvHeaderMagic } from '../storage/index.js';
import { histogramFileName } from '../storage/names.js';
import { detectImageFormat, readImageSize } from '../writer/image-header.js';
import { type Buckets, legacyBuckets, tensorBuckets, toUniformHistogram } from './histogram-buckets.js';
import type { ImportBatch } from './import-batch.js';
import {
  decodeHParamsPluginData,
  has,
  type JsonValueMessage,
  type SummaryValueMessage,
  type TensorMessage,
} from './proto-schema.js';
import type { TagNames } from './tag-names.js';
import { tensorNumbers, tensorShape, tensorStrings } from './tensor-values.js';

export type MappedKind = 'scalars' | 'histograms' | 'images' | 'audio' | 'text';

/** Plugins TensorBoard knows whose data this importer does not map: counted, without a warning. */
const UNMAPPED_PLUGINS = new Set([
  'graphs',
  'graph_keras_model',
  'graph_run_metadata',
  'graph_run_metadata_graph',
  'graph_tagged_run_metadata',
  'pr_curves',
  'mesh',
  'custom_scalars',
  'projector',
  'profile',
  'npmi',
  'debugger_v2',
]);

/** What mapping needs to know about the event a value belongs to, and where rows go. */
export interface EventContext {
  readonly batch: ImportBatch;
  readonly names: TagNames;
  globalStep: number;
  timestampMs: number;
  /** The event's step, taken from the run's counter when the event's first row is added. */
  step(): number;
  skip(what: string): void;
  /** A plugin this importer does not know: counted, and warned about once per run. */
  unknownPlugin(plugin: string): void;
  /** A value that cannot be read (named by its tag): warned about with the record's file and offset. */
  invalid(message: string): void;
  mergeConfig(values: Record<string, JsonValue>): void;
}

const utf8 = new TextDecoder();
const copy = (bytes: Uint8Array) => new Uint8Array(bytes);

/** Maps one value of an event's summary. */
export function mapSummaryValue(v: SummaryValueMessage, ctx: EventContext): void {
  const tag = v.tag || v.nodeName;
  // The legacy kinds first, whatever plugin they name; then tensors by their plugin.
  if (has(v, 'simpleValue')) addScalar(ctx, tag, v.simpleValue);
  else if (v.histo) addHistogram(ctx, tag, legacyBuckets(v.histo));
  else if (v.image) addImage(ctx, tag, v.image.encodedImageString, v.image.width, v.image.height);
  else if (v.audio) addAudio(ctx, tag, v.audio.encodedAudioString, v.audio.contentType, '');
  else if (has(v, 'obsoleteOldStyleHistogram')) ctx.skip('old-style histograms');
  else {
    const plugin = v.metadata?.pluginData?.pluginName ?? '';
    if (plugin === 'hparams') mapHParams(ctx, tag, v.metadata?.pluginData?.content);
    else if (v.tensor) mapTensor(ctx, tag, plugin, v.tensor);
    else ctx.skip(plugin ? `${plugin} values` : 'empty values');
  }
}

function mapTensor(ctx: EventContext, tag: string, plugin: string, t: TensorMessage): void {
  switch (plugin) {
    case 'scalars': {
      const values = tensorNumbers(t);
      if (values?.length === 1) addScalar(ctx, tag, values[0]);
      else ctx.invalid(`scalar "${tag}" is not a single number`);
      return;
    }
    case 'histograms': {
      const values = tensorNumbers(t);
      const buckets = values && tensorBuckets(values, tensorShape(t));
      if (buckets) addHistogram(ctx, tag, buckets);
      else ctx.invalid(`histogram "${tag}" is not a [k, 3] tensor of numbers`);
      return;
    }
    case 'images': {
      const strings = tensorStrings(t);
      if (!strings || strings.length < 2) {
        ctx.invalid(`image "${tag}" is not a string tensor of width, height and images`);
        return;
      }
      const width = Number(utf8.decode(strings[0]));
      const height = Number(utf8.decode(strings[1]));
      for (const image of strings.slice(2)) addImage(ctx, tag, image, width, height);
      return;
    }
    case 'audio': {
      const strings = tensorStrings(t);
      const shape = tensorShape(t);
      if (!strings) {
        ctx.invalid(`audio "${tag}" is not a string tensor`);
        return;
      }
      // [k, 2]: each clip with its label; [k]: clips only.
      const pairs = shape.length === 2 && shape[1] === 2;
      for (let i = 0; i < strings.length; i += pairs ? 2 : 1) {
        addAudio(ctx, tag, strings[i], '', pairs ? utf8.decode(strings[i + 1]) : '');
      }
      return;
    }
    case 'text': {
      const strings = tensorStrings(t);
      if (!strings) ctx.invalid(`text "${tag}" is not a string tensor`);
      else
        addText(
          ctx,
          tag,
          strings.map((s) => utf8.decode(s)),
        );
      return;
    }
    case '':
      ctx.skip('tensors without a plugin');
      return;
    default:
      if (UNMAPPED_PLUGINS.has(plugin)) ctx.skip(plugin);
      else ctx.unknownPlugin(plugin);
  }
}

function addScalar(ctx: EventContext, tag: string, value: number): void {
  const name = ctx.names.nameOf(tag);
  ctx.batch.addScalar(name, ctx.step(), ctx.globalStep, ctx.timestampMs, value);
}

function addHistogram(ctx: EventContext, tag: string, buckets: Buckets): void {
  const h = toUniformHistogram(buckets);
  if (!h) {
    ctx.skip(buckets.count.length === 0 ? 'empty histograms' : 'histograms without a finite range');
    return;
  }
  const name = ctx.names.nameOf(tag);
  const K = h.counts.length;
  ctx.batch.addHistogram(histogramFileName(name, K, 'i32'), K, {
    step: ctx.step(),
    globalStep: ctx.globalStep,
    name,
    counts: h.counts,
    min: h.min,
    max: h.max,
  });
}

/** Stores media bytes unchanged under their content hash; false when the bytes cannot be stored. */
function addBlob(ctx: EventContext, tag: string, bytes: Uint8Array, format: string): string | null {
  if (startsWithKvHeaderMagic(bytes)) {
    ctx.invalid(`media "${tag}" starts with the bytes 89 4B, which the run format reserves; it is skipped`);
    return null;
  }
  const hash = mediaHash(bytes);
  ctx.batch.addBlob(mediaBlobKey(hash, format), copy(bytes));
  return hash;
}

function addImage(ctx: EventContext, tag: string, bytes: Uint8Array, width: number, height: number): void {
  const format = detectImageFormat(bytes) ?? 'png';
  const hash = addBlob(ctx, tag, bytes, format);
  if (hash === null) return;
  const size = width > 0 && height > 0 ? { width, height } : readImageSize(bytes);
  const name = ctx.names.nameOf(tag);
  ctx.batch.media.push({
    media_hash: hash,
    format,
    step: ctx.step(),
    global_step: ctx.globalStep,
    name,
    caption: '',
    type: 'image',
    size_bytes: bytes.length,
    width: size?.width ?? null,
    height: size?.height ?? null,
  });
}

const AUDIO_TYPES: Record<string, string> = {
  'audio/wav': 'wav',
  'audio/x-wav': 'wav',
  'audio/wave': 'wav',
  'audio/mpeg': 'mp3',
  'audio/mp3': 'mp3',
  'audio/ogg': 'ogg',
  'audio/flac': 'flac',
};

function audioFormat(bytes: Uint8Array, contentType: string): string {
  const known = AUDIO_TYPES[contentType.toLowerCase()];
  if (known) return known;
  const ascii = (at: number, n: number) => String.fromCharCode(...bytes.subarray(at, at + n));
  if (ascii(0, 4) === 'RIFF' && ascii(8, 4) === 'WAVE') return 'wav';
  if (ascii(0, 4) === 'OggS') return 'ogg';
  if (ascii(0, 4) === 'fLaC') return 'flac';
  if (ascii(0, 3) === 'ID3') return 'mp3';
  return 'wav';
}

function addAudio(
  ctx: EventContext,
  tag: string,
  bytes: Uint8Array,
  contentType: string,
  caption: string,
): void {
  const format = audioFormat(bytes, contentType);
  const hash = addBlob(ctx, tag, bytes, format);
  if (hash === null) return;
  const name = ctx.names.nameOf(tag);
  ctx.batch.media.push({
    media_hash: hash,
    format,
    step: ctx.step(),
    global_step: ctx.globalStep,
    name,
    caption,
    type: 'audio',
    size_bytes: bytes.length,
    width: null,
    height: null,
  });
}

function addText(ctx: EventContext, tag: string, texts: string[]): void {
  const name = ctx.names.nameOf(tag);
  ctx.batch.tables.push({
    step: ctx.step(),
    global_step: ctx.globalStep,
    name,
    columns: '["text"]',
    column_types: '["text"]',
    rows: JSON.stringify(texts.map((t) => [t])),
  });
}

function jsonOf(v: JsonValueMessage): JsonValue {
  if (has(v, 'numberValue')) return v.numberValue;
  if (has(v, 'stringValue')) return v.stringValue;
  if (has(v, 'boolValue')) return v.boolValue;
  if (v.structValue) {
    return Object.fromEntries(Object.entries(v.structValue.fields ?? {}).map(([k, x]) => [k, jsonOf(x)]));
  }
  if (v.listValue) return (v.listValue.values ?? []).map(jsonOf);
  return null;
}

function mapHParams(ctx: EventContext, tag: string, content: Uint8Array | undefined): void {
  let data: ReturnType<typeof decodeHParamsPluginData>;
  try {
    data = decodeHParamsPluginData(content ?? new Uint8Array(0));
  } catch (err) {
    ctx.invalid(`hparams record "${tag}" cannot be decoded (${(err as Error).message})`);
    return;
  }
  const hparams = data.sessionStartInfo?.hparams;
  if (hparams) ctx.mergeConfig(Object.fromEntries(Object.entries(hparams).map(([k, v]) => [k, jsonOf(v)])));
}
