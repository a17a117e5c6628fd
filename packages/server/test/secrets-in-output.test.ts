/**
 * Nothing the server prints or logs holds a password, token, session id, CSRF token or secret, not even a
 * prefix: a full session of requests against the real command, with its stdout and stderr captured.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeBackends } from './helpers/backends.js';
import { Client, eventually } from './helpers/server.js';

const BIN = fileURLToPath(new URL('../bin/kobo-serve.js', import.meta.url));
const SECRET = 'session-secret-that-must-never-be-printed-0123456789';

describeBackends('secrets in output', (b) => {
  let dir = '';
  let child: ChildProcess | null = null;
  let output = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'kobo-secrets-'));
    mkdirSync(join(dir, 'runs'));
    writeFileSync(join(dir, 'secret'), SECRET);
  });
  afterAll(() => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('a full session leaves no secret in stdout, stderr or the log', async () => {
    const base = ['--data-dir', 'runs', '--db', b.target().url, '--log-level', 'debug'];
    const adminPassword = 'admin-password-kept-secret';
    const created = spawnSync(
      process.execPath,
      [BIN, 'create-user', 'root1', '--admin', '--password-stdin', ...base],
      {
        cwd: dir,
        input: `${adminPassword}\n`,
        encoding: 'utf8',
        timeout: 60_000,
      },
    );
    expect(created.status, created.stderr).toBe(0);
    output += created.stdout + created.stderr;
    child = spawn(
      process.execPath,
      [BIN, ...base, '--session-secret-file', 'secret', '--port', '0', '--host', '127.0.0.1'],
      {
        cwd: dir,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    child.stdout!.on('data', (d) => {
      output += String(d);
    });
    child.stderr!.on('data', (d) => {
      output += String(d);
    });
    const port = await eventually(async () => {
      const m = /listening on 127\.0\.0\.1:(\d+)/.exec(output);
      if (!m) throw new Error('not listening yet');
      return Number(m[1]);
    }, 60_000);
    const url = `http://127.0.0.1:${port}`;
    const secrets: string[] = [SECRET, adminPassword];
    const admin = new Client(url);
    await admin.login('root1', adminPassword);
    const invite = new URL((await admin.post('/api/admin/invites', {})).json().url).searchParams.get(
      'invite',
    )!;
    const reset = new URL(
      (await admin.post('/api/admin/users/root1/password-reset', {})).json().url,
    ).searchParams.get('token')!;
    const userPassword = 'participant-pass-kept-secret';
    const member = new Client(url);
    expect(
      (await member.post('/api/auth/register', { username: 'member', password: userPassword, invite }))
        .status,
    ).toBe(200);
    await member.get(`/register?invite=${invite}`);
    await member.login('member', userPassword);
    const csrf = (await member.get('/api/auth/csrf')).json().csrf_token as string;
    const token = (await member.post('/api/auth/tokens', { name: 'ci' })).json().token as string;
    expect((await new Client(url, token).get('/api/auth/me')).status).toBe(200);
    expect((await new Client(url, `${token}x`).get('/api/auth/me')).status).toBe(401);
    await member.post('/api/org/create', { name: 'team' });
    const newPassword = 'participant-pass-changed';
    expect(
      (await member.post('/api/auth/password', { current_password: userPassword, new_password: newPassword }))
        .status,
    ).toBe(200);
    await new Client(url).post('/api/auth/login', { username: 'member', password: 'a-wrong-password-guess' });
    await member.get('/api/projects?token=abc');
    secrets.push(invite, reset, userPassword, newPassword, csrf, token, 'a-wrong-password-guess');
    for (const c of [admin, member]) for (const v of c.cookies.values()) secrets.push(v);
    await member.post('/api/auth/logout');
    const exited = new Promise<number | null>((r) => child!.once('exit', (code) => r(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(output).toContain('incoming request');
    for (const s of secrets) {
      expect(s.length).toBeGreaterThanOrEqual(8);
      expect(output.includes(s.slice(0, 8)), `a secret's prefix ${s.slice(0, 3)}… was printed`).toBe(false);
    }
  });
});
