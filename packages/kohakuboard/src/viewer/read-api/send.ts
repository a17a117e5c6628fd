/**
 * Writing task results and JSON values to a reply.
 */
import { Readable } from 'node:stream';
import type { FastifyReply } from 'fastify';
import { apiJson } from '../json-encode.js';
import { errorDetailOf, JSON_TYPE, type TaskResult } from '../worker-pool/task-result.js';

/** Bodies larger than this are handed on in slices, so that compressing them never blocks for long. */
const SLICE = 1024 * 1024;

function* slices(body: Buffer): Generator<Buffer> {
  for (let at = 0; at < body.length; at += SLICE) yield body.subarray(at, at + SLICE);
}

/** Every 5xx a task answers is logged with its cause, as the error handler logs thrown ones. */
function logFailure(reply: FastifyReply, result: TaskResult): void {
  const { method, url } = reply.request;
  const detail = errorDetailOf(result);
  const cause = result.cause
    ? Object.assign(new Error(result.cause.message), { stack: result.cause.stack })
    : undefined;
  const err = new Error(`${detail.code}: ${detail.error}`, { cause });
  reply.log.error({ err }, `${method} ${url} failed: ${detail.error}`);
}

export function sendResult(reply: FastifyReply, result: TaskResult): FastifyReply {
  if (result.status >= 500) logFailure(reply, result);
  reply.code(result.status);
  if (result.headers) for (const [k, v] of Object.entries(result.headers)) reply.header(k, v);
  reply.type(result.type);
  if (result.status === 304) return reply.send();
  return sendBody(reply, result.body);
}

/** Sends a body; a large one goes out as a stream of slices of the same memory. */
export function sendBody(reply: FastifyReply, body: string | Uint8Array): FastifyReply {
  if (typeof body === 'string' && body.length <= SLICE) return reply.send(body);
  const buf =
    typeof body === 'string' ? Buffer.from(body) : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  if (buf.length <= SLICE) return reply.send(buf);
  return reply.send(Readable.from(slices(buf), { objectMode: false }));
}

/** Sends a body made of chunks: small ones as one buffer, large ones as a stream of the chunks. */
export function sendChunks(reply: FastifyReply, chunks: readonly Buffer[]): FastifyReply {
  let length = 0;
  for (const c of chunks) length += c.length;
  if (length <= SLICE) return reply.send(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, length));
  return reply.send(Readable.from(chunks, { objectMode: false }));
}

export function sendJson(
  reply: FastifyReply,
  value: unknown,
  cache: 'no-store' | 'no-cache' | null = 'no-store',
): FastifyReply {
  if (cache) reply.header('cache-control', cache);
  return reply.type(JSON_TYPE).send(apiJson(value));
}

/** Sends JSON text that is already encoded. */
export function sendJsonText(
  reply: FastifyReply,
  text: string,
  cache: 'no-store' | 'no-cache' | null = 'no-store',
): FastifyReply {
  if (cache) reply.header('cache-control', cache);
  return sendBody(reply.type(JSON_TYPE), text);
}
