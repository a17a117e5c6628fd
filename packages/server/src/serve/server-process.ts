/**
 * One serving process: opens the database, loads the run index, runs the scanner loop (only the scanner
 * lease's holder sweeps) and the hourly purge, and listens. Migrations and the first-run bootstrap are the
 * primary's (serve/start.ts).
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { Rights } from '../access/rights.js';
import { RateLimiter } from '../auth/rate-limit.js';
import type { ServerConfig } from '../config/resolve.js';
import { type Database, openDatabase } from '../db/database.js';
import { Leases } from '../db/leases.js';
import { Scanner } from '../discovery/scanner.js';
import { createApp } from '../http/app.js';
import { AuthCache } from '../http/auth-cache.js';
import type { ServerContext } from '../http/context.js';
import { SequencedEventHub } from '../index/change-events.js';
import { ServerIndex } from '../index/server-index.js';
import { IngestRate } from '../ingest/ingest-rate.js';
import { IngestPool } from '../ingest/pool.js';
import { startPurge } from './purge.js';

export interface RunningServer {
  app: FastifyInstance;
  ctx: ServerContext;
  scanner: Scanner;
  port: number;
  close(): Promise<void>;
}

export interface ProcessOptions {
  /** Read-API worker threads (default: the CPU count). */
  readerThreads?: number;
  logStream?: NodeJS.WritableStream;
  /** Index poll period (ms). */
  indexPollMs?: number;
  /** Ingest threads (default max(2, CPUs)); the worker module, null to ingest in this thread. */
  ingestThreads?: number;
  ingestWorkerFile?: string | null;
}

export async function startServerProcess(
  config: ServerConfig,
  options: ProcessOptions = {},
): Promise<RunningServer> {
  mkdirSync(join(config.dataDir, '.kobo', 'incoming'), { recursive: true });
  let log: (level: 'info' | 'warn' | 'error', message: string) => void = (level, m) =>
    process.stderr.write(`kobo-serve: ${level}: ${m}\n`);
  const db: Database = openDatabase(config.db, {
    poolSize: config.dbPoolSize,
    onError: (m) => log('error', m),
  });
  const events = new SequencedEventHub();
  const index = await new ServerIndex(db, {
    dataDir: config.dataDir,
    staleAfterMs: config.staleAfterS * 1000,
    pollMs: options.indexPollMs,
    events,
    log: (level, m) => log(level, m),
  }).load();
  const leases = new Leases(db);
  const scanner = new Scanner({
    db,
    leases,
    config,
    realDataDir: index.dataDir,
    log: (level, m) => log(level, m),
  });
  const ctx: ServerContext = {
    config,
    db,
    index,
    rights: new Rights(index, { noAnonymous: config.noAnonymous }),
    limiter: new RateLimiter(db),
    events,
    leases,
    ingest: new IngestPool({ threads: options.ingestThreads, workerFile: options.ingestWorkerFile }),
    ingestRate: new IngestRate(config.ingestRate),
    authCache: new AuthCache(),
    rescan: () => {
      void scanner.requestSweep().then(() => index.poll());
    },
  };
  const https = config.tls
    ? { cert: readFileSync(config.tls.cert), key: readFileSync(config.tls.key) }
    : null;
  const app = await createApp(ctx, {
    readerThreads: options.readerThreads,
    logStream: options.logStream,
    https,
  });
  log = (level, m) => app.log[level](m);
  index.start();
  scanner.start();
  const stopPurge = startPurge(db, (m) => log('error', m));
  await app.listen({ host: config.host, port: config.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  return {
    app,
    ctx,
    scanner,
    port,
    async close() {
      stopPurge();
      index.stop();
      await scanner.stop();
      await app.close();
      await ctx.ingest.close();
      await db.close();
    },
  };
}
