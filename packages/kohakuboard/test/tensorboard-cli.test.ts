/**
 * The commands as a user runs them (the built package): `kobo import tensorboard` with its summary table,
 * warnings and errors, and `kobo open --tensorboard`, which serves a log directory from a cache folder outside
 * it and follows its event files: events appended to a file, a new event file and a new run reach the HTTP
 * API within 2 s. The log directory is never changed.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KOBO_BIN } from './helpers/child-process.js';
import { appendEvents, fileVersionEvent, scalarEvent, snapshotTree } from './helpers/tensorboard.js';
import { type Json, tempDir } from './helpers/viewer.js';

const children = new Set<ChildProcess>();
let tmp: ReturnType<typeof tempDir>;
let logDir: string;

const scalars = (tag: string, from: number, to: number) =>
  Array.from({ length: to - from }, (_, i) => scalarEvent(tag, from + i, from + i));

beforeAll(() => {
  tmp = tempDir('kobo-tb-cli-');
  logDir = join(tmp.dir, 'tblogs');
  mkdirSync(join(logDir, 'exp1'), { recursive: true });
  appendEvents(
    join(logDir, 'exp1', 'events.out.tfevents.100.host'),
    fileVersionEvent(100),
    ...scalars('loss', 0, 40),
  );
  mkdirSync(join(logDir, 'exp2'));
  appendEvents(join(logDir, 'exp2', 'events.out.tfevents.100.host'), ...scalars('acc', 0, 5));
});

afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
  tmp?.cleanup();
});

/** Runs kobo to its end. */
function kobo(args: string[], env: NodeJS.ProcessEnv = {}) {
  return spawnSync(process.execPath, [KOBO_BIN, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 60_000,
  });
}

describe('kobo import tensorboard', () => {
  it('--help explains the command', () => {
    const r = kobo(['import', 'tensorboard', '--help']);
    expect(r.status).toBe(0);
    for (const word of ['<logdir>', '--to', '--project', 'only read']) expect(r.stdout).toContain(word);
  });

  it('imports every run and prints a summary table (no progress bar when stderr is not a terminal)', () => {
    const to = join(tmp.dir, 'board');
    const r = kobo(['import', 'tensorboard', logDir, '--to', to, '--project', 'My Runs']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0].split(/\s{2,}/)).toEqual([
      'run',
      'scalars',
      'histograms',
      'images',
      'audio',
      'text',
      'events',
      'not imported',
    ]);
    expect(lines[1].split(/\s+/)).toEqual(['exp1', '1', '0', '0', '0', '0', '41']);
    expect(lines[2].split(/\s+/)).toEqual(['exp2', '1', '0', '0', '0', '0', '5']);
    expect(r.stdout).toContain(`2 runs, 2 tags with new data, 46 events`);
    expect(existsSync(join(to, 'My-Runs'))).toBe(true);
    const again = kobo(['import', 'tensorboard', logDir, '--to', to, '--project', 'My Runs']);
    expect(again.status).toBe(0);
    expect(again.stdout).toContain('2 runs, 0 tags with new data, 0 events');
  });

  it('prints a warning per damaged file and still imports the rest', () => {
    const damaged = join(tmp.dir, 'damaged');
    mkdirSync(join(damaged, 'r'), { recursive: true });
    const bad = join(damaged, 'r', 'events.out.tfevents.1.host');
    writeFileSync(bad, 'definitely not a TFRecord file, not even close\n');
    appendEvents(join(damaged, 'r', 'events.out.tfevents.2.host'), ...scalars('loss', 0, 3));
    const r = kobo(['import', 'tensorboard', damaged, '--to', join(tmp.dir, 'board2')]);
    expect(r.status).toBe(0);
    expect(r.stderr.trim().split('\n')).toEqual([
      `kobo: warning: ${bad}: offset 0: the record length does not match its CRC; nothing readable follows yet`,
    ]);
    expect(r.stdout.split('\n')[1].split(/\s+/)).toEqual(['r', '1', '0', '0', '0', '0', '3']);
  });

  it('refuses a missing log directory, a destination inside it, and a destination another import holds', () => {
    let r = kobo(['import', 'tensorboard', join(tmp.dir, 'nope'), '--to', join(tmp.dir, 'x')]);
    expect([r.status, r.stderr]).toEqual([2, `kobo: ${join(tmp.dir, 'nope')}: no such directory\n`]);
    r = kobo(['import', 'tensorboard', logDir, '--to', join(logDir, 'inside')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('is inside the log directory');
    expect(existsSync(join(logDir, 'inside'))).toBe(false);
    const held = join(tmp.dir, 'held', 'tblogs');
    mkdirSync(held, { recursive: true });
    writeFileSync(join(held, '.tensorboard-import.lock'), `${process.pid}\n`);
    r = kobo(['import', 'tensorboard', logDir, '--to', join(tmp.dir, 'held')]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`another kobo process (pid ${process.pid}) is importing into this folder`);
  });
});

interface Running {
  child: ChildProcess;
  url: string;
  out: () => string;
  exit: Promise<number | null>;
}

function startOpen(args: string[], env: NodeJS.ProcessEnv): Promise<Running> {
  const child = spawn(process.execPath, [KOBO_BIN, 'open', '--port', '0', ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let out = '';
  const exit = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      children.delete(child);
      resolve(code);
    }),
  );
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`kobo open printed no URL:\n${out}`)), 60_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d;
      const m = /(http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: m[1], out: () => out, exit });
      }
    });
    child.stderr!.on('data', (d: Buffer) => {
      out += d;
    });
    void exit.then((code) => {
      clearTimeout(timer);
      reject(new Error(`kobo open exited with ${code}:\n${out}`));
    });
  });
}

const getJson = async (url: string): Promise<Json> => (await fetch(url)).json();

/** Polls `probe` until it returns true; fails after `ms`. Returns how long it took. */
async function within(ms: number, what: string, probe: () => Promise<boolean>): Promise<number> {
  const start = Date.now();
  while (true) {
    if (await probe().catch(() => false)) return Date.now() - start;
    if (Date.now() - start > ms) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The run list once the viewer's first scan has found `count` runs. */
async function listed(url: string, count: number): Promise<Json[]> {
  let runs: Json[] = [];
  await within(30_000, 'the first scan', async () => {
    runs = (await getJson(url)).runs ?? [];
    return runs.length === count;
  });
  return runs;
}

describe('kobo open --tensorboard', () => {
  it('serves the log directory from a cache folder and follows new events within 2 s', async () => {
    const cache = join(tmp.dir, 'cache');
    const running = await startOpen(['--tensorboard', logDir], { XDG_CACHE_HOME: cache });
    const api = `${running.url}api/projects/tblogs`;
    expect(running.out()).toMatch(
      /TensorBoard log directory .*tblogs: 2 runs, following new events \(imported into /,
    );
    expect(running.out()).toContain(join(cache, 'kohakuboard', 'tensorboard'));
    const runs = await listed(`${api}/runs`, 2);
    expect(runs.map((r) => r.name).sort()).toEqual(['exp1', 'exp2']);
    const exp1 = runs.find((r) => r.name === 'exp1').run_id;
    const loss = async () => (await getJson(`${api}/runs/${exp1}/scalars/loss`)).steps.length;
    expect(await loss()).toBe(40);

    // Training goes on: more events in the same file, and a restarted writer's new file in the same run.
    appendEvents(join(logDir, 'exp1', 'events.out.tfevents.100.host'), ...scalars('loss', 40, 60));
    await within(2000, 'appended events', async () => (await loss()) === 60);
    appendEvents(
      join(logDir, 'exp1', 'events.out.tfevents.200.host'),
      fileVersionEvent(200),
      ...scalars('loss', 50, 55),
    );
    await within(2000, 'a new event file', async () => (await loss()) === 65);

    // A new run directory shows up as a new run.
    mkdirSync(join(logDir, 'exp3'));
    appendEvents(join(logDir, 'exp3', 'events.out.tfevents.300.host'), ...scalars('loss', 0, 3));
    const logSnapshot = snapshotTree(logDir);
    await within(10_000, 'a new run', async () =>
      ((await getJson(`${api}/runs`)).runs as Json[]).some((r) => r.name === 'exp3'),
    );

    // A second viewer on the same log directory would write the same cache: it is refused.
    const second = kobo(['open', '--port', '0', '--tensorboard', logDir], { XDG_CACHE_HOME: cache });
    expect(second.status).toBe(1);
    expect(second.stderr).toContain('another kobo process');

    running.child.kill('SIGINT');
    expect(await running.exit).toBe(0);
    expect(snapshotTree(logDir)).toEqual(logSnapshot);
  });

  it('`kobo open DIR` on a folder of event files says so in one line and serves them', async () => {
    const cache = join(tmp.dir, 'cache2');
    const running = await startOpen([logDir], { XDG_CACHE_HOME: cache });
    expect(running.out()).toContain(
      `kobo: ${logDir} holds TensorBoard event files and no KohakuBoard runs; showing them as --tensorboard does\n`,
    );
    const runs = await listed(`${running.url}api/projects/tblogs/runs`, 3);
    expect(runs.map((r) => r.name).sort()).toEqual(['exp1', 'exp2', 'exp3']);
    running.child.kill('SIGINT');
    expect(await running.exit).toBe(0);
  });
});
