/**
 * The task context of an HTTP request: a signal that is aborted when the client goes away before the answer
 * is complete (its queued tasks are then dropped and its running ones stop at a checkpoint), and the client
 * key of fair queueing: the connection, so that every browser tab and script is a client of its own.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { TaskContext } from './cancellation.js';

const contexts = new WeakMap<FastifyRequest, TaskContext>();

export function requestTaskContext(req: FastifyRequest, reply: FastifyReply): TaskContext {
  const known = contexts.get(req);
  if (known) return known;
  const controller = new AbortController();
  const res = reply.raw;
  // 'close' comes when the answer is complete or the connection ended first; only the latter cancels.
  const onClose = () => {
    if (!res.writableFinished) controller.abort();
  };
  res.once('close', onClose);
  const socket = req.raw.socket;
  if (socket?.destroyed) controller.abort();
  const context: TaskContext = {
    signal: controller.signal,
    client: `${socket?.remoteAddress ?? 'local'}:${socket?.remotePort ?? ''}`,
  };
  contexts.set(req, context);
  return context;
}
