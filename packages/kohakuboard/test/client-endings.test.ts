/**
 * Every way a training script can end (docs/client.md#process-exit, docs/client.md#exit-status): the run on
 * disk holds exactly every value logged, with the right status and finished_at, and `kobo dump` reads it.
 * Each case runs a real Board from the built package in a child process.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runDirs, runScript, startScript } from './helpers/child-process.js';
import { expectDataset } from './helpers/dataset-check.js';

const base = mkdtempSync(join(tmpdir(), 'kobo-endings-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

function onlyRun(mode: string): string {
  const dirs = runDirs(base, 'endings').filter((d) => d.endsWith(`_${mode}`));
  expect(dirs).toHaveLength(1);
  return dirs[0];
}

describe('a run ends', () => {
  it.each([
    ['natural', 'natural end without finish()', 0, 'finished'],
    ['finish', 'await board.finish()', 0, 'finished'],
    ['exit0', 'process.exit(0)', 0, 'finished'],
    ['exit1', 'process.exit(1)', 1, 'crashed'],
    ['throw', 'an uncaught exception', 1, 'crashed'],
    ['rejection', 'an unhandled rejection', 1, 'crashed'],
  ])('%s (%s): exit code %i, status %s, nothing lost', async (mode, _what, code, status) => {
    const r = await runScript('ending.mjs', [mode, base]);
    expect(r.code, r.stderr).toBe(code);
    const runDir = onlyRun(mode);
    expectDataset(runDir, status);
    if (mode === 'throw') {
      const log = (await import('node:fs')).readFileSync(join(runDir, 'logs', 'board.log'), 'utf8');
      // A throw at the top level of an ES module rejects the module's promise.
      expect(log).toMatch(
        /Uncaught exception \((uncaughtException|unhandledRejection)\): Error: deliberate failure\n.*at /,
      );
    }
  });

  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)('%s: exit code %i, status interrupted, nothing lost', async (signal, code) => {
    const mode = 'signal';
    const sub = `${base}/${signal}`;
    const child = startScript('ending.mjs', [mode, sub]);
    await child.waitForLine(/^READY$/);
    child.child.kill(signal);
    const r = await child.done;
    expect(r.code, r.stderr).toBe(code);
    const dirs = runDirs(sub, 'endings');
    expect(dirs).toHaveLength(1);
    expectDataset(dirs[0], 'interrupted');
    expect(r.stderr).toContain(`Received ${signal}, finishing`);
  });
});
