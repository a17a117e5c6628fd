/**
 * The body of a log upload as JSON (docs/server.md#log-upload): one pass over the bytes measures the nesting
 * and looks for the bare tokens NaN, Infinity and -Infinity outside strings; a body without them goes to
 * the native JSON.parse, one with them to the tolerant parser of the run-folder dialect.
 */
import { type JsonValue, parseTolerantJson } from 'kohakuboard/storage';

export const MAX_NESTING = 64;

export type BodyProblem = { code: 'too_deep' | 'invalid_json'; message: string };

/** Nesting depth (up to `limit + 1`) and whether a bare N or I (NaN, Infinity) occurs outside strings. */
export function scanJson(bytes: Uint8Array, limit = MAX_NESTING): { tooDeep: boolean; bareTokens: boolean } {
  let depth = 0;
  let inString = false;
  let bare = false;
  const n = bytes.length;
  for (let i = 0; i < n; i++) {
    const c = bytes[i];
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > limit) return { tooDeep: true, bareTokens: bare };
    } else if (c === 0x7d || c === 0x5d) depth--;
    else if (c === 0x4e || c === 0x49) bare = true;
  }
  return { tooDeep: false, bareTokens: bare };
}

const decoder = new TextDecoder();

/** Parses a log upload body; a problem instead of a value when it is too deep or not JSON of the dialect. */
export function parseLogBody(bytes: Uint8Array): { value: JsonValue } | { problem: BodyProblem } {
  const scan = scanJson(bytes);
  if (scan.tooDeep)
    return { problem: { code: 'too_deep', message: `The body nests deeper than ${MAX_NESTING} levels` } };
  const text = decoder.decode(bytes);
  try {
    return { value: scan.bareTokens ? parseTolerantJson(text) : (JSON.parse(text) as JsonValue) };
  } catch (err) {
    const detail = err instanceof Error ? err.message.replace(/^.*not valid JSON: /, '') : String(err);
    return { problem: { code: 'invalid_json', message: `The body is not valid JSON: ${detail}` } };
  }
}
