/**
 * Logging mistakes never end a training loop (docs/client.md#bad-values): data a type cannot store is
 * recorded by its constructor and skipped by log() with one warning per name; names the viewer refuses are
 * refused when logged; conversions and histograms with nothing to bin are said once per name; a warning quotes
 * a name escaped and cut short. Only options that are wrong in themselves throw.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { dumpRun } from '../src/reader/run-dump.js';
import { openReadOnly, readMetricSeries } from '../src/storage/index.js';
import { runDirs, runScript, runViolations } from './helpers/child-process.js';
import type { Dump } from './helpers/dataset-check.js';

const base = mkdtempSync(join(tmpdir(), 'kobo-mistakes-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

it('mistakes in the loop are skipped and said once per name; wrong options still throw', async () => {
  const r = await runScript('mistakes.mjs', [base]);
  expect(r.code, r.stderr).toBe(0);
  expect(r.stdout).toContain('THREW []\n');
  expect(r.stdout).toMatch(/^THROWS numBins: Histogram numBins must be an integer/m);
  expect(r.stdout).toMatch(/^THROWS mediaType: Media mediaType must be one of/m);
  expect(r.stdout).toMatch(/^THROWS columnTypes: Table column type must be one of/m);

  const [runDir] = runDirs(base, 'mistakes');
  const d = dumpRun(runDir, { full: true }) as Dump;
  // Only the good values were stored; every refused name left nothing behind.
  expect(Object.keys(d.metrics).sort()).toEqual(['count', 'fine', 'flag', 'negzero', 'ok']);
  expect(d.metrics.ok.value).toEqual([0, 1, 2]);
  expect(d.metrics.fine.value).toEqual([0, 1, 2]);
  expect(d.metrics.flag.value).toEqual([1, 1, 1]);
  expect(d.metrics.count.value).toEqual([7, 7, 7]);
  expect(d.media).toEqual([]);
  expect(d.tables).toEqual([]);
  expect(d.histogram_files).toEqual({});
  const file = join(runDir, 'data', 'metrics', 'negzero.db');
  const h = openReadOnly(file);
  const negzero = Array.from(readMetricSeries(h.db, file).value);
  h.close();
  expect(negzero.map((v) => Object.is(v, -0))).toEqual([true, true, true]); // stored as it is
  expect(runViolations(runDir)).toEqual([]);

  const log = readFileSync(join(runDir, 'logs', 'board.log'), 'utf8');
  const once = (re: RegExp) => {
    const lines = log.split('\n').filter((l) => re.test(l));
    expect(lines, re.source).toHaveLength(1);
    expect(lines[0]).toMatch(/\| WARNING {2}\| /);
  };
  once(/Skipped "ragged": Table row 1 must be an array of 2 cells/);
  once(/Skipped "empty": Table needs at least one row/);
  once(/Skipped "raggedTable": Table row 1 must be an array of 2 cells/);
  once(/Skipped "garbage": Media bytes are not a PNG, JPEG, GIF, WebP or BMP image/);
  once(/Skipped "abc": Histogram values must be an array of numbers/);
  once(/Skipped "a\/\/b": the name has an empty part/);
  once(/Skipped "a\/": the name has an empty part/);
  once(/Skipped "a\/\.\/b": the name has a '\.' part/);
  once(/Skipped "tab\\tname": the name contains a control character/);
  once(/Skipped "nul\\u0000x": the name contains a NUL character/);
  once(/Skipped "img\/\/x": the name has an empty part/);
  once(/Skipped "n{64}… \(1048576 characters\)": the file name would be longer than 255 bytes/);
  once(/"negzero": -0 is stored as -0, but JSON \(the viewer, kobo dump\) shows it as 0/);
  once(/"flag": booleans are stored as the numbers 1 and 0/);
  once(/"count": bigints are stored as float64 numbers/);
  once(/Histogram "h\/empty" has no finite values at step \d+; nothing is stored/);
  once(/Histogram "h\/nan" has no finite values at step \d+; nothing is stored/);
  // A name is never echoed whole or with raw control characters, in the file or on the console.
  for (const text of [log, r.stderr]) {
    expect(text).not.toContain('\u0000');
    expect(text).not.toContain('tab\tname');
    expect(Math.max(...text.split('\n').map((l) => l.length))).toBeLessThan(400);
  }
  expect(r.stderr).toContain('Histogram "h/empty" has no finite values');
});
