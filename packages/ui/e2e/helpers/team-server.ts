/**
 * Starts the team server `kobo-serve` (the built package) on 127.0.0.1 with a free port, a throwaway data
 * directory and SQLite database, and keeps what it prints: at its first start that holds the one-time
 * link that creates the first admin. A small cookie client does the set-up a test needs outside the
 * browser (uploads with a token, reading as another user).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SERVER_BIN, UI_DIST } from './paths';
import { freePort } from './viewer';

export interface TeamServer {
  url: string;
  /** The token of the first admin's invite link, from the server's first-start message. */
  bootstrapInvite: string | null;
  output(): string;
  stop(): Promise<void>;
}

export interface TeamServerOptions {
  /** `--no-auth`: nobody signs in, everyone is the built-in admin `local`. */
  noAuth?: boolean;
  extraArgs?: string[];
}

export async function startTeamServer(options: TeamServerOptions = {}): Promise<TeamServer> {
  if (!existsSync(join(UI_DIST, 'index.html')))
    throw new Error('The UI is not built: run `npm run build -w packages/ui` first.');
  const root = mkdtempSync(join(tmpdir(), 'kobo-ui-team-'));
  const dataDir = join(root, 'data');
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const args = [
    SERVER_BIN,
    'serve',
    '--data-dir',
    dataDir,
    // Four slashes: an absolute path.
    '--db',
    `sqlite:///${join(root, 'kobo.db')}`,
    '--host',
    '127.0.0.1',
    '--port',
    String(port),
    '--base-url',
    url,
    '--ui-dir',
    UI_DIST,
    '--scan-interval',
    '1',
    '--log-level',
    'warn',
    ...(options.noAuth ? ['--no-auth'] : []),
    ...(options.extraArgs ?? []),
  ];
  // The secret goes through the environment, never the command line.
  const env = { ...process.env, KOHAKU_BOARD_SESSION_SECRET: `ui-test-secret-${'x'.repeat(40)}` };
  const child: ChildProcess = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
  let output = '';
  child.stdout?.on('data', (d) => {
    output += String(d);
  });
  child.stderr?.on('data', (d) => {
    output += String(d);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      child.kill('SIGTERM');
      await exited;
      clearTimeout(timer);
    }
    rmSync(root, { recursive: true, force: true });
  };
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`kobo-serve exited early:\n${output}`);
    }
    try {
      if ((await fetch(`${url}/health/ready`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`kobo-serve did not start:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const invite = /\/register\?invite=([A-Za-z0-9_-]+)/.exec(output);
  return { url, bootstrapInvite: invite ? invite[1] : null, output: () => output, stop };
}

/** A browser-like client outside the browser: keeps cookies and sends the CSRF header back. */
export class ApiSession {
  private readonly cookies = new Map<string, string>();
  constructor(
    readonly base: string,
    private readonly bearer: string | null = null,
  ) {}

  async request(method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
    const headers: Record<string, string> = {};
    if (this.cookies.size) headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const csrf = this.cookies.get('XSRF-TOKEN');
    if (csrf && method !== 'GET') headers['x-xsrf-token'] = csrf;
    if (this.bearer) headers.authorization = `Bearer ${this.bearer}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(this.base + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const eq = pair.indexOf('=');
      const value = pair.slice(eq + 1);
      if (value === '') this.cookies.delete(pair.slice(0, eq));
      else this.cookies.set(pair.slice(0, eq), value);
    }
    const text = await res.text();
    let json: unknown = null;
    try {
      json = JSON.parse(text);
    } catch {
      // not JSON
    }
    return { status: res.status, json };
  }

  async login(username: string, password: string): Promise<void> {
    const r = await this.request('POST', '/api/auth/login', { username, password });
    if (r.status !== 200) throw new Error(`login as ${username}: ${r.status} ${JSON.stringify(r.json)}`);
  }
}
