/**
 * `kobo-serve serve` (docs/server.md#workers): the primary migrates the database and runs the
 * first-run bootstrap, then serves in this process (--workers 1) or forks N workers on one port through
 * Node's cluster, restarting dead ones with a backoff of 1 s doubling to 30 s. SIGTERM lets requests finish
 * for up to 30 s.
 */
import cluster, { type Worker } from 'node:cluster';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { ServerConfig } from '../config/resolve.js';
import { migrate, openDatabase } from '../db/database.js';
import { bootstrapInvite, ensureLocalUser } from './bootstrap.js';
import { startServerProcess } from './server-process.js';

const GRACE_MS = 30_000;
const NO_AUTH_BANNER = (host: string, port: number) =>
  `KOHAKU BOARD IS RUNNING WITHOUT AUTHENTICATION: anyone reaching ${host}:${port === 0 ? '<its port>' : port} can read and change everything. Development only.`;

/** The sweep of .kobo/incoming/, migrations and the bootstrap, once, before any worker serves. */
export async function prepare(config: ServerConfig): Promise<void> {
  // Temporary files of requests that never finished (the directory holds nothing else).
  const incoming = join(config.dataDir, '.kobo', 'incoming');
  rmSync(incoming, { recursive: true, force: true });
  mkdirSync(incoming, { recursive: true });
  const db = openDatabase(config.db, { poolSize: 2 });
  try {
    await migrate(db);
    if (config.noAuth) {
      await ensureLocalUser(db);
      return;
    }
    const url = await bootstrapInvite(db, config.baseUrl);
    if (url) {
      process.stdout.write(
        `No admin account yet. Create it within 24 h at ${url}, or run: kobo-serve create-user --admin NAME\n`,
      );
    }
  } finally {
    await db.close();
  }
}

export async function serve(config: ServerConfig, notices: string[]): Promise<void> {
  await prepare(config);
  if (config.workers <= 1) {
    const server = await startServerProcess(config);
    for (const n of notices) server.app.log.info(n);
    if (config.noAuth) {
      process.stderr.write(`${NO_AUTH_BANNER(config.host, server.port)}\n`);
      server.app.log.warn(NO_AUTH_BANNER(config.host, server.port));
    }
    process.stdout.write(`kobo-serve: listening on ${config.host}:${server.port}\n`);
    const stop = () => {
      const timer = setTimeout(() => process.exit(1), GRACE_MS);
      timer.unref();
      void server.close().then(() => process.exit(0));
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
    return;
  }
  if (config.noAuth) process.stderr.write(`${NO_AUTH_BANNER(config.host, config.port)}\n`);
  superviseWorkers(config);
}

/** A forked worker: waits for the primary's configuration (sent over IPC, never through the environment). */
export async function serveWorker(): Promise<void> {
  const config = await new Promise<ServerConfig>((resolve) => {
    const onMessage = (m: { kind?: string; config?: ServerConfig }) => {
      if (m?.kind !== 'config' || !m.config) return;
      process.off('message', onMessage);
      resolve(m.config);
    };
    process.on('message', onMessage);
    process.send?.({ kind: 'ready' });
  });
  const server = await startServerProcess(config);
  const stop = () => {
    const timer = setTimeout(() => process.exit(1), GRACE_MS);
    timer.unref();
    void server.close().then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  process.stdout.write(`kobo-serve: worker ${process.pid} listening on ${config.host}:${server.port}\n`);
  process.send?.({ kind: 'listening', port: server.port });
}

function superviseWorkers(config: ServerConfig): void {
  let stopping = false;
  const backoff = new Map<number, number>();
  const fork = (slot: number) => {
    const w: Worker = cluster.fork();
    w.on('message', (m: { kind?: string }) => {
      if (m?.kind === 'ready') w.send({ kind: 'config', config });
      if (m?.kind === 'listening') backoff.set(slot, 1000);
    });
    w.on('exit', (code, signal) => {
      if (stopping) return;
      const wait = backoff.get(slot) ?? 1000;
      process.stderr.write(
        `kobo-serve: worker ${slot} exited (${signal ?? code}); restarting in ${wait / 1000} s\n`,
      );
      backoff.set(slot, Math.min(30_000, wait * 2));
      setTimeout(() => {
        if (!stopping) fork(slot);
      }, wait).unref();
    });
  };
  for (let i = 0; i < config.workers; i++) fork(i);
  const stop = () => {
    if (stopping) return;
    stopping = true;
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGTERM');
    const timer = setTimeout(() => process.exit(1), GRACE_MS + 1000);
    timer.unref();
    const check = setInterval(() => {
      if (Object.keys(cluster.workers ?? {}).length === 0) {
        clearInterval(check);
        process.exit(0);
      }
    }, 100);
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
