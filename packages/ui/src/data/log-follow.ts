/**
 * Holding and following a log file (docs/ui.md#log-viewer, docs/api.md#following-a-log). Lines keep their
 * byte offsets so an answer can replace "every line held from its offset on": that one rule covers the
 * unterminated last line (a progress bar, sent again on the next call), a `reset`, and a shrunken file.
 */
import type { LogChunk } from '../api/types';

export interface LogLine {
  offset: number;
  text: string;
}

const encoder = new TextEncoder();

/** Splits a chunk into lines with their byte offsets; the last line may be unterminated. */
export function chunkLines(chunk: Pick<LogChunk, 'offset' | 'content'>): LogLine[] {
  const out: LogLine[] = [];
  const parts = chunk.content.split('\n');
  if (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  let at = chunk.offset;
  for (const text of parts) {
    out.push({ offset: at, text: text.endsWith('\r') ? text.slice(0, -1) : text });
    at += encoder.encode(text).length + 1;
  }
  return out;
}

/**
 * Replaces the held lines from `chunk.offset` on with the chunk's lines. When the chunk starts before
 * the first held line, what is held is discarded and the chunk kept.
 */
export function applyChunk(held: LogLine[], chunk: Pick<LogChunk, 'offset' | 'content'>): LogLine[] {
  const incoming = chunkLines(chunk);
  if (held.length === 0 || chunk.offset <= held[0].offset) return incoming;
  let keep = held.length;
  while (keep > 0 && held[keep - 1].offset >= chunk.offset) keep--;
  return keep === held.length ? held.concat(incoming) : held.slice(0, keep).concat(incoming);
}

/** Prepends an earlier chunk ("load earlier"), dropping any overlap with what is held. */
export function prependChunk(held: LogLine[], chunk: Pick<LogChunk, 'offset' | 'content'>): LogLine[] {
  const earlier = chunkLines(chunk);
  if (held.length === 0) return earlier;
  const first = held[0].offset;
  return earlier.filter((l) => l.offset < first).concat(held);
}

/**
 * ANSI CSI sequences (ESC [, parameter bytes 0x30–0x3F, intermediate bytes 0x20–0x2F, a final byte
 * 0x40–0x7E): colours, cursor moves, erases. The same set the server strips with `strip_ansi=true`,
 * so a line reads the same whichever side strips it.
 */
const ANSI_CSI = /\u001b\[[0-?]*[ -/]*[@-~]/g;

export function stripAnsi(text: string): string {
  return text.replace(ANSI_CSI, '');
}

/** What a line shows: the last carriage-return segment (in-place updates), without ANSI codes. */
export function displayText(text: string): string {
  const t = stripAnsi(text).replace(/\r+$/, '');
  const cr = t.lastIndexOf('\r');
  return cr >= 0 ? t.slice(cr + 1) : t;
}
