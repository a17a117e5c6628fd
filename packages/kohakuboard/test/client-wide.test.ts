/**
 * Ten thousand metrics (docs/client.md#open-files): every metric file is created with its first value, later
 * values reach the files that were closed to keep the open-file budget, and everything reads back exactly.
 * Counts and values only; the speed is measured by bench/client.js.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { dumpRun } from '../src/reader/run-dump.js';
import { runDirs, runScript } from './helpers/child-process.js';
import type { Dump } from './helpers/dataset-check.js';
import { columnVaultViolations } from './helpers/invariants.js';

const base = mkdtempSync(join(tmpdir(), 'kobo-wide-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

it('10,000 metrics: all created, closed and reopened as needed, every value read back', async () => {
  const r = await runScript('wide.mjs', [base]);
  expect(r.code, r.stderr).toBe(0);
  const [runDir] = runDirs(base, 'wide');
  const metricsDir = join(runDir, 'data', 'metrics');
  expect(readdirSync(metricsDir).filter((f) => f.endsWith('.db'))).toHaveLength(10_000);
  expect(readdirSync(metricsDir).filter((f) => !f.endsWith('.db'))).toEqual([]); // no -wal, -shm or .tmp left

  const d = dumpRun(runDir, { full: true }) as Dump;
  expect(Object.keys(d.metrics)).toHaveLength(10_000);
  const wrong: string[] = [];
  for (let k = 0; k < 10_000; k++) {
    const m = d.metrics[`group_${k % 100}/metric_${k}`];
    const steps = k < 2500 ? [0, 1, 2] : [0];
    if (
      !m ||
      JSON.stringify(m.value) !== JSON.stringify(steps.map((s) => k + 1000 * s + 0.25)) ||
      JSON.stringify(m.step) !== JSON.stringify(steps) ||
      JSON.stringify(m.global_step) !== JSON.stringify(steps.map((s) => s + 1))
    ) {
      wrong.push(`metric_${k}`);
    }
  }
  expect(wrong).toEqual([]);
  expect(d.steps.count).toBe(3);
  // The format's invariants, on files created whole and on files continued after reopening.
  for (const k of [0, 1, 2047, 2048, 2499, 2500, 9999]) {
    expect(
      columnVaultViolations(join(metricsDir, `group_${k % 100}__metric_${k}.db`), { tsCreated: true }),
    ).toEqual([]);
  }
});
