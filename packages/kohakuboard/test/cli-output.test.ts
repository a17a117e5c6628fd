/**
 * The `kobo` command as a shell user meets it: a reader that closes the pipe early (`kobo dump RUN | head`)
 * ends the command quietly, and a project or data folder given where a run folder belongs gets an error that
 * names the runs inside and the command that works.
 */
import { spawn, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFixtures, fixtureIndex, fixtureRunDir } from './helpers/fixtures.js';

const KOBO = join(dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'kobo.js');

let fixtures: ReturnType<typeof copyFixtures>;
beforeAll(() => {
  fixtures = copyFixtures();
});
afterAll(() => fixtures.cleanup());

/** Runs `kobo ARGS` and closes its stdout after the first chunk, as `| head -c N` does. */
function readFirstChunkThenClose(
  args: string[],
): Promise<{ code: number | null; signal: string | null; stderr: string; got: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [KOBO, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let got = 0;
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.stdout.once('data', (d: Buffer) => {
      got = d.length;
      child.stdout.destroy();
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve({ code, signal, stderr, got }));
  });
}

describe('a closed pipe', () => {
  it('kobo dump --full of a 40,961-point run, read for one chunk only: exit 0, nothing on stderr', async () => {
    const big = fixtureIndex().runs.find((r) => r.path.endsWith('vision/lka9'))!;
    const res = await readFirstChunkThenClose(['dump', fixtureRunDir(fixtures.base, big), '--full']);
    expect(res.got).toBeGreaterThan(0);
    expect(res.stderr).toBe('');
    expect(res.signal).toBeNull();
    expect(res.code).toBe(0);
  });
});

describe('a folder that is not a run', () => {
  it('a project folder: exit 2, the runs inside and a command that works', () => {
    const project = join(fixtures.base, 'vision');
    const res = spawnSync(process.execPath, [KOBO, 'dump', project], { encoding: 'utf8' });
    expect(res.status).toBe(2);
    expect(res.stderr).toContain('is a project folder, not a run: it holds 2 runs');
    expect(res.stderr).toContain('lka9');
    expect(res.stderr).toContain('u6pw_baseline_lr_3e-4_ablation');
    const suggested = /e\.g\. kobo dump (\S+)/.exec(res.stderr)?.[1];
    expect(suggested).toBeDefined();
    const again = spawnSync(process.execPath, [KOBO, 'dump', suggested!, '--compact'], {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    expect(again.status).toBe(0);
    expect(JSON.parse(again.stdout).metadata).toBeTypeOf('object');
  });

  it('a data folder: exit 2, its projects and one run to try', () => {
    const res = spawnSync(process.execPath, [KOBO, 'dump', fixtures.base], { encoding: 'utf8' });
    expect(res.status).toBe(2);
    expect(res.stderr).toMatch(
      /is a data folder, not a run: it holds 5 runs in 3 projects \(default, nlp, vision\)/,
    );
    const suggested = /e\.g\. kobo dump (\S+)/.exec(res.stderr)?.[1];
    const again = spawnSync(process.execPath, [KOBO, 'dump', suggested!, '--compact'], {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    expect(again.status).toBe(0);
  });

  it('an empty folder keeps the plain "metadata.json is missing" error', () => {
    const res = spawnSync(process.execPath, [KOBO, 'dump', join(fixtures.base, 'vision', 'lka9', 'data')], {
      encoding: 'utf8',
    });
    expect(res.status).toBe(2);
    expect(res.stderr).toContain('metadata.json is missing');
  });
});
