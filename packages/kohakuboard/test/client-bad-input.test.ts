/**
 * Bad input never throws (docs/client.md#bad-values): each bad entry is skipped
 * and reported once per key, the rest of the call is stored, and every call still consumes its step.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { dumpRun } from '../src/reader/run-dump.js';
import { runDirs, runScript, runViolations } from './helpers/child-process.js';
import type { Dump } from './helpers/dataset-check.js';

const base = mkdtempSync(join(tmpdir(), 'kobo-bad-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

it('log() and the log* methods never throw; bad entries are skipped once per key, the rest is kept', async () => {
  const r = await runScript('bad-input.mjs', [base]);
  expect(r.code, r.stderr).toBe(0);
  expect(r.stdout).not.toContain('THREW');
  const calls = 17; // log* calls per round (step() excluded)
  const steps = JSON.parse(/STEPS (.*)/.exec(r.stdout)![1]);
  // Every logging call took the next step, the 3 rounds in order; step() returned undefined.
  const expected: Array<number | null> = [];
  for (let round = 0; round < 3; round++) {
    for (let i = 0; i < calls; i++) expected.push(round * calls + i);
    expected.push(null);
  }
  expected.push(3 * calls); // log() after finish returns the current step
  expect(steps.map((s: number | undefined) => s ?? null)).toEqual(expected);

  const [runDir] = runDirs(base, 'bad');
  const d = dumpRun(runDir, { full: true }) as Dump;
  expect(Object.keys(d.metrics).sort()).toEqual(['big', 'fine', 'good', 'last', 'tensorish', 'wrapped']);
  expect(d.metrics.good.value).toEqual([0, 1, 2]);
  expect(d.metrics.good.step).toEqual([0, calls, 2 * calls]);
  expect(d.metrics.fine.value).toEqual([1, 1, 1]); // the other entry of the object with a throwing getter
  expect(d.metrics.big.value).toEqual([2 ** 70, 2 ** 70, 2 ** 70]);
  expect(d.metrics.wrapped.value).toEqual([5, 5, 5]);
  expect(d.metrics.tensorish.value).toEqual([6, 6, 6]);
  expect(d.metrics.last.step).toEqual([3 * calls]);
  expect(d.media).toEqual([]);
  expect(d.histogram_files).toEqual({});
  expect(d.tensors).toEqual([]);
  expect(d.kernel_density).toEqual([]);
  expect(d.tables).toEqual([]);
  // The histogram without finite values still recorded its step.
  expect(d.steps.step).toContain(16);
  expect(runViolations(runDir)).toEqual([]);

  const log = readFileSync(join(runDir, 'logs', 'board.log'), 'utf8');
  const once = (re: RegExp) => expect(log.match(new RegExp(re.source, 'g')) ?? [], re.source).toHaveLength(1);
  once(/Cannot convert value of "text" to a number/);
  once(/Cannot convert value of "sym" to a number/);
  once(/Cannot convert value of "fn" to a number/);
  once(/Cannot convert value of "obj" to a number/);
  once(/Cannot convert value of "pair" to a number/);
  once(/Skipped "boom": reading it threw getter exploded/);
  once(/log\(\) takes an object of name → value/);
  once(/Skipped "\/abs": the name starts with '\/'/);
  once(/Skipped "back\\slash": the name contains a backslash/);
  once(/Skipped "nul\\u0000": the name contains a NUL character/);
  once(/the file name would be longer than 255 bytes/);
  once(/"big": the bigint is not a safe integer/);
  once(/Skipped "badimg": cannot read \/definitely\/missing\.png: ENOENT/);
  once(/Skipped "imgs": Media pixel arrays need 1 to 4 channels/);
  once(/Skipped "imgs2": cannot read no-such-file\.png/);
  once(/Skipped "hist": Histogram values must be an array of numbers/);
  once(/Skipped "hist2": Histogram precision must be "exact" or "compact"/);
  once(/Skipped "tens": TensorLog values are a ragged array/);
  once(/Skipped "kde": KernelDensity takes either/);
  once(/Skipped "tab": Table needs at least one row/);
  once(/Skipped "vid": Media video bytes need a format/);
  once(/Skipped "aud": Media data must be a file path/);
  once(/step\(\) takes a safe integer increment/);
  // After finish() board.log is closed: this warning goes to the console only.
  expect(r.stderr).toContain('Logging after finish() has started: the data is dropped.');
});
