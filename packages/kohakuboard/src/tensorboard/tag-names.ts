/**
 * TensorBoard tags as KohakuBoard names (docs/tensorboard.md#tag-names). A tag that satisfies the project's
 * name rules (storage `checkLogName`, and the viewer's rule that no path segment is empty, `.` or `..` and no
 * control character appears) keeps its text; others are mapped:
 *
 * - control characters and `\` become `_`; empty segments (leading, trailing or doubled `/`) are dropped;
 *   a segment `.` or `..` gets a `_` in front;
 * - runs of `_` are shortened to one, because `__` in a name reads back as `/`;
 * - the names `step`, `global_step` and `timestamp`, which the viewer shows as the run's own columns, get a
 *   `_` appended; an empty tag becomes `untagged`;
 * - a name whose file name would pass 255 bytes is cut and ends in `~` and 8 hex digits of the tag's hash;
 * - on Windows, the characters `<>:"|?*` become `_`.
 *
 * When two tags of a run map to the same name, the later one gets `~2`, `~3`, …
 */
import { createHash } from 'node:crypto';
import { checkLogName } from '../storage/index.js';

const CONTROL_OR_BACKSLASH = /[\u0000-\u001f\u007f\\]/g;
const WINDOWS_FORBIDDEN = /[<>:"|?*]/g;
const RESERVED = new Set(['step', 'global_step', 'timestamp']);
/** Longest name in UTF-8 bytes: the file name adds `.db` and must stay within 255 bytes. */
const MAX_NAME_BYTES = 240;

function cutToBytes(text: string, maxBytes: number): string {
  let out = '';
  let bytes = 0;
  for (const ch of text) {
    const n = Buffer.byteLength(ch, 'utf8');
    if (bytes + n > maxBytes) break;
    out += ch;
    bytes += n;
  }
  return out;
}

/** The name a tag maps to on its own (before collisions between tags are resolved). */
export function nameForTag(tag: string, platform: NodeJS.Platform = process.platform): string {
  let name = tag.replace(CONTROL_OR_BACKSLASH, '_');
  if (platform === 'win32') name = name.replace(WINDOWS_FORBIDDEN, '_');
  name = name
    .split('/')
    .filter((s) => s !== '')
    .map((s) => (s === '.' || s === '..' ? `_${s}` : s))
    .join('/');
  name = name.replace(/_{2,}/g, '_');
  if (name === '') name = 'untagged';
  if (RESERVED.has(name)) name = `${name}_`;
  if (Buffer.byteLength(name, 'utf8') > MAX_NAME_BYTES) {
    const hash = createHash('sha256').update(tag).digest('hex').slice(0, 8);
    name = `${cutToBytes(name, MAX_NAME_BYTES - 9).replace(/\/+$/, '')}~${hash}`;
  }
  return checkLogName(name, platform) === null
    ? name
    : `tag~${createHash('sha256').update(tag).digest('hex').slice(0, 8)}`;
}

/**
 * The tag → name map of one run. It is kept with the run's import state, so that a name given once stays
 * the same in later imports.
 */
export class TagNames {
  private readonly byTag: Map<string, string>;
  private readonly used: Set<string>;

  constructor(saved: Record<string, string> = {}) {
    this.byTag = new Map(Object.entries(saved));
    this.used = new Set(this.byTag.values());
  }

  nameOf(tag: string): string {
    const known = this.byTag.get(tag);
    if (known !== undefined) return known;
    const base = nameForTag(tag);
    let name = base;
    for (let n = 2; this.used.has(name); n++) name = `${base}~${n}`;
    this.byTag.set(tag, name);
    this.used.add(name);
    return name;
  }

  /** Every tag seen, with its name (the import state keeps all, so that collisions resolve the same way). */
  all(): Record<string, string> {
    return Object.fromEntries(this.byTag);
  }
}
