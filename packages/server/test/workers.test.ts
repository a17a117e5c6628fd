/**
 * --workers 2: two processes serve one port; a killed worker is replaced; SIGTERM ends everything cleanly.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from './helpers/server.js';

const BIN = fileURLToPath(new URL('../bin/kobo-serve.js', import.meta.url));

function childPids(pid: number): number[] {
  try {
    return execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

describe('kobo-serve --workers 2', () => {
  let dir = '';
  let child: ChildProcess | null = null;
  let output = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'kobo-workers-'));
    mkdirSync(join(dir, 'runs'));
    writeFileSync(join(dir, 'secret'), 'a-session-secret-of-forty-characters-long!');
  });
  afterAll(() => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves from two processes, replaces a killed one and stops on SIGTERM', async () => {
    child = spawn(
      process.execPath,
      [BIN, '--data-dir', 'runs', '--session-secret-file', 'secret', '--port', '0', '--workers', '2'],
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
    const ports = await eventually(async () => {
      const found = [...output.matchAll(/worker (\d+) listening on 127\.0\.0\.1:(\d+)/g)];
      if (found.length < 2) throw new Error('workers not listening yet');
      return found.map((m) => Number(m[2]));
    }, 90_000);
    expect(new Set(ports).size).toBe(1);
    const url = `http://127.0.0.1:${ports[0]}`;
    const workers = childPids(child.pid!);
    expect(workers).toHaveLength(2);
    for (let i = 0; i < 6; i++) expect((await fetch(`${url}/health`)).status).toBe(200);
    process.kill(workers[0], 'SIGKILL');
    await eventually(async () => {
      const now = childPids(child!.pid!);
      expect(now).toHaveLength(2);
      expect(now).not.toContain(workers[0]);
    }, 60_000);
    expect(output).toMatch(/worker 0 exited \(SIGKILL\); restarting in 1 s/);
    expect((await fetch(`${url}/health/ready`)).status).toBe(200);
    const exited = new Promise<number | null>((r) => child!.once('exit', (code) => r(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
