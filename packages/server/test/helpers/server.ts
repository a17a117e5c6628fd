/**
 * A server for tests: a data dir with canary files in and beside it, an admin created through the data
 * layer, and one or more server processes (in this process, on 127.0.0.1 port 0) sharing one database.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { hashPassword } from '../../src/auth/passwords.js';
import { buildConfig, collectRaw, type DbTarget, type ServerConfig } from '../../src/config/resolve.js';
import { createUser } from '../../src/db/accounts.js';
import { migrate, openDatabase } from '../../src/db/database.js';
import { ensureDroppedOwnerSetting } from '../../src/serve/bootstrap.js';
import { type RunningServer, startServerProcess } from '../../src/serve/server-process.js';
import { prepare } from '../../src/serve/start.js';

export const SECRET = 'test-secret-0123456789-abcdefghijklmnopqrstuvwxyz';
export const ADMIN = { username: 'boss', password: 'correct horse battery' };

export interface TestServer {
  root: string;
  dataDir: string;
  canaries: Map<string, string>;
  servers: RunningServer[];
  url(i?: number): string;
  logs(): string;
  config: ServerConfig;
  close(): Promise<void>;
}

export interface TestServerOptions {
  flags?: Record<string, string | boolean>;
  instances?: number;
  noAdmin?: boolean;
}

export async function startTestServer(
  target: DbTarget,
  options: TestServerOptions = {},
): Promise<TestServer> {
  const root = mkdtempSync(join(tmpdir(), 'kobo-serve-test-'));
  const dataDir = join(root, 'data');
  mkdirSync(dataDir);
  const canaries = new Map<string, string>([
    [join(root, 'canary-beside.txt'), `CANARY-BESIDE-${Math.random()}`],
    [join(dataDir, 'canary-inside.txt'), `CANARY-INSIDE-${Math.random()}`],
    [join(root, 'secret.db'), `CANARY-DB-${Math.random()}`],
  ]);
  for (const [path, text] of canaries) writeFileSync(path, text);
  const flags = new Map<string, string | boolean>([
    ['data-dir', dataDir],
    ['db', target.url],
    ['port', '0'],
    ['session-secret', SECRET],
    ['scan-interval', '0.2'],
    ['log-level', 'info'],
  ]);
  for (const [k, v] of Object.entries(options.flags ?? {})) flags.set(k, v);
  const config = buildConfig(collectRaw(flags, {}), { cpus: 2 });
  const out: string[] = [];
  const logStream = new Writable({
    write(chunk, _enc, done) {
      out.push(String(chunk));
      done();
    },
  });
  if (!options.noAdmin) {
    const db = openDatabase(config.db);
    await migrate(db);
    await createUser(db, {
      username: ADMIN.username,
      passwordHash: await hashPassword(ADMIN.password),
      isAdmin: true,
      emailVerified: true,
    }).catch(() => undefined);
    await ensureDroppedOwnerSetting(db, ADMIN.username);
    await db.close();
  }
  await prepare(config);
  const servers: RunningServer[] = [];
  for (let i = 0; i < (options.instances ?? 1); i++) {
    servers.push(await startServerProcess(config, { readerThreads: 0, logStream, indexPollMs: 50 }));
  }
  return {
    root,
    dataDir,
    canaries,
    servers,
    config,
    url: (i = 0) => `http://127.0.0.1:${servers[i].port}`,
    logs: () => out.join(''),
    async close() {
      for (const s of servers) await s.close();
      for (const [path, text] of canaries) {
        if (readFileSync(path, 'utf8') !== text) throw new Error(`canary ${path} changed`);
      }
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** Waits until `check` passes (bounded). */
export async function eventually<T>(check: () => Promise<T>, timeoutMs = 15_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > end) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

export interface Reply {
  status: number;
  headers: Headers;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: tests read response bodies of many shapes
  json(): any;
}

/** A browser-like client: keeps cookies and sends the CSRF header from the XSRF-TOKEN cookie. */
export class Client {
  readonly cookies = new Map<string, string>();
  csrf = true;
  constructor(
    public base: string,
    public bearer: string | null = null,
  ) {}

  async req(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<Reply> {
    const h: Record<string, string> = { ...headers };
    if (this.cookies.size) h.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    if (this.bearer) h.authorization = `Bearer ${this.bearer}`;
    if (this.csrf && this.cookies.has('XSRF-TOKEN') && !('x-xsrf-token' in h))
      h['x-xsrf-token'] = this.cookies.get('XSRF-TOKEN')!;
    let payload: string | undefined;
    if (body !== undefined) {
      payload = typeof body === 'string' ? body : JSON.stringify(body);
      h['content-type'] ??= 'application/json';
    }
    const res = await fetch(this.base + path, { method, headers: h, body: payload, redirect: 'manual' });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      if (value === '' || /Max-Age=0|Expires=Thu, 01 Jan 1970/i.test(c)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    const text = await res.text();
    return { status: res.status, headers: res.headers, text, json: () => JSON.parse(text) };
  }

  get = (path: string, headers?: Record<string, string>) => this.req('GET', path, undefined, headers);
  post = (path: string, body?: unknown, headers?: Record<string, string>) =>
    this.req('POST', path, body ?? {}, headers);

  async login(username: string, password: string): Promise<Reply> {
    const r = await this.post('/api/auth/login', { username, password });
    if (r.status !== 200) throw new Error(`login ${username}: ${r.status} ${r.text}`);
    return r;
  }
}
