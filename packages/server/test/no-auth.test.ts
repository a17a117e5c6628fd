/**
 * --no-auth: loopback only, every request acts as the built-in admin `local`, rebinding Hosts and foreign
 * Origins are refused; and the refusals to start (no secret, --no-auth off loopback) are one line, exit 2.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeBackends } from './helpers/backends.js';
import { rawRequest } from './helpers/raw-http.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const BIN = fileURLToPath(new URL('../bin/kobo-serve.js', import.meta.url));

describeBackends('--no-auth', (b) => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer(b.target(), { flags: { 'no-auth': true }, noAdmin: true });
  });
  afterAll(async () => t?.close());

  it('acts as local, refuses rebinding hosts and foreign origins', async () => {
    const port = new URL(t.url()).port;
    const info = await rawRequest(t.url(), 'GET', '/api/system/info', { host: `localhost:${port}` });
    expect(JSON.parse(info.text)).toMatchObject({
      require_auth: false,
      no_auth: true,
      user: { username: 'local', is_admin: true },
    });
    const rebinding = await rawRequest(t.url(), 'GET', '/api/projects', { host: `evil.example:${port}` });
    expect(rebinding.status).toBe(421);
    expect(JSON.parse(rebinding.text).detail.code).toBe('invalid_host');
    const body = JSON.stringify({ name: 'team' });
    const foreign = await rawRequest(
      t.url(),
      'POST',
      '/api/org/create',
      { host: `127.0.0.1:${port}`, origin: 'http://evil.example', 'content-type': 'application/json' },
      body,
    );
    expect(foreign.status).toBe(403);
    expect(JSON.parse(foreign.text).detail.code).toBe('csrf_failed');
    const ok = await rawRequest(
      t.url(),
      'POST',
      '/api/org/create',
      { host: `127.0.0.1:${port}`, 'content-type': 'application/json' },
      body,
    );
    expect(ok.status).toBe(200);
  });
});

describe('kobo-serve refuses to start', () => {
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'kobo-refuse-'));
    writeFileSync(join(dir, 'short'), 'too-short');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const run = (...args: string[]) =>
    spawnSync(process.execPath, [BIN, ...args], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '' },
      timeout: 60_000,
    });

  it.each([
    [['--data-dir', 'runs'], /session secret is required/],
    [['--data-dir', 'runs', '--session-secret-file', 'short'], /at least 32 characters/],
    [['--data-dir', 'runs', '--session-secret', 'change-me-in-production'], /placeholder/],
    [['--data-dir', 'runs', '--no-auth', '--host', '0.0.0.0'], /loopback/],
    [
      ['--data-dir', 'runs', '--no-auth', '--db', 'sqlite:///x.db', '--db-backend', 'postgres'],
      /does not match/,
    ],
    [['--data-dir', 'runs', '--no-auth', '--tls-cert', 'c.pem'], /together/],
    [['--data-dir', 'runs', '--no-auth', '--shared-data-dir'], /PostgreSQL/],
  ])('%j', (args, why) => {
    const r = spawnSync(process.execPath, [BIN, ...args], {
      encoding: 'utf8',
      cwd: dir,
      env: { PATH: process.env.PATH ?? '' },
      timeout: 60_000,
    });
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(why);
  });

  it('--print-config shows sources and hides secrets; every subcommand has --help', () => {
    const r = spawnSync(
      process.execPath,
      [
        BIN,
        '--print-config',
        '--port',
        '5000',
        '--db',
        'postgres://kobo:hunter2pass@db/x',
        '--session-secret',
        'a-very-secret-value-of-more-than-32-chars',
      ],
      {
        encoding: 'utf8',
        cwd: dir,
        env: { PATH: process.env.PATH ?? '', KOHAKU_BOARD_PORT: '6000', KOHAKU_BOARD_HOST: '127.0.0.2' },
        timeout: 60_000,
      },
    );
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^port\s+5000\s+\(flag\)$/m);
    expect(r.stdout).toMatch(/^host\s+127\.0\.0\.2\s+\(env KOHAKU_BOARD_HOST\)$/m);
    expect(r.stdout).toMatch(/^scan-interval\s+30\s+\(default\)$/m);
    expect(r.stdout).not.toContain('hunter2pass');
    expect(r.stdout).not.toContain('a-very-secret-value');
    for (const sub of ['serve', 'migrate', 'create-user', 'set-password', 'create-invite', 'db-copy']) {
      const h = run(sub, '--help');
      expect(h.status, sub).toBe(0);
      expect(h.stdout).toContain(`Usage: kobo-serve ${sub}`);
    }
  });
});

describeBackends('--no-anonymous', (b) => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer(b.target(), {
      flags: { 'no-anonymous': true, 'default-visibility': 'public' },
    });
  });
  afterAll(async () => t?.close());

  it('anonymous requests get 401, signing in still works', async () => {
    for (const path of [
      '/api/projects',
      '/api/projects/boss%2Fx/runs',
      '/api/org/acme',
      '/api/boards/x/media/by-id/1',
    ]) {
      const r = await rawRequest(t.url(), 'GET', path);
      expect(r.status, path).toBe(401);
      expect(JSON.parse(r.text).detail.code).toBe('not_authenticated');
    }
    expect((await rawRequest(t.url(), 'GET', '/api/system/info')).status).toBe(200);
    const login = await rawRequest(
      t.url(),
      'POST',
      '/api/auth/login',
      { 'content-type': 'application/json' },
      JSON.stringify({ username: 'boss', password: 'wrong-password-here' }),
    );
    expect(login.status).toBe(401);
    expect(JSON.parse(login.text).detail.code).toBe('invalid_credentials');
  });
});
