/**
 * kobo ls and kobo info on the fixture runs: what the reader knows about each run (status, steps, last
 * update), sizes, sorting, JSON; info's metrics, media and log tail equal what the run holds.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KOBO_BIN } from './helpers/child-process.js';
import { copyFixtures, fixtureIndex, fixtureRunDir, readExpected } from './helpers/fixtures.js';

let fixtures: ReturnType<typeof copyFixtures>;
beforeAll(() => {
  fixtures = copyFixtures();
});
afterAll(() => fixtures.cleanup());

function kobo(args: string[]) {
  const r = spawnSync(process.execPath, [KOBO_BIN, ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

type Json = Record<string, unknown>;

describe('kobo ls', () => {
  it('lists every run with its project, id, name, status, steps and size', () => {
    const r = kobo(['ls', fixtures.base, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const runs = JSON.parse(r.stdout) as Json[];
    expect(runs.map((x) => `${x.project}/${x.folder}`)).toEqual(
      fixtureIndex()
        .runs.map((x) => `${x.project}/${x.board_id}`)
        .sort(),
    );
    for (const run of fixtureIndex().runs) {
      const row = runs.find((x) => x.folder === run.board_id)!;
      const expected = readExpected(run);
      const steps = (expected.steps as { step?: number[]; step_tail?: number[] } | null) ?? {};
      const last = (steps.step ?? steps.step_tail ?? []).at(-1);
      expect(row.steps).toBe(last === undefined ? 0 : last + 1);
      expect(row.name).toBe((expected.metadata as Json).name);
      expect(row.size_bytes as number).toBeGreaterThan(0);
      expect(row.status).toBe(
        run.state === 'finished' ? 'finished' : run.state === 'unknown' ? 'unknown' : 'running',
      );
    }
  });

  it('prints a table, sorts by a column, and says when there are no runs', () => {
    const table = kobo(['ls', fixtures.base, '--sort', 'steps']);
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^PROJECT\s+RUN\s+NAME\s+STATUS\s+STEPS\s+UPDATED\s+SIZE$/);
    expect(lines[1]).toMatch(
      /^vision\s+lka9\s+Simplistic Echo\s+finished\s+40962\s+2025-11-20 09:17:04Z\s+\S+ \S+$/,
    );
    const reversed = kobo(['ls', fixtures.base, '--sort', 'steps', '-r']).stdout.trimEnd().split('\n');
    expect(reversed.at(-1)).toBe(lines[1]);
    const empty = kobo(['ls', fixtureRunDir(fixtures.base, fixtureIndex().runs[0]) + '/logs']);
    expect(empty.stdout).toMatch(/^no runs in /);
    expect(kobo(['ls', '/nonexistent-kobo-dir']).code).toBe(2);
  });
});

describe('kobo info', () => {
  it('summarises a run: metrics with counts and last values, media, histograms, log tail', () => {
    for (const run of fixtureIndex().runs) {
      const dir = fixtureRunDir(fixtures.base, run);
      const expected = readExpected(run);
      const r = kobo(['info', dir, '--json']);
      expect(r.code, r.stderr).toBe(0);
      const info = JSON.parse(r.stdout) as Json;
      const metrics = expected.metrics as Record<
        string,
        { count: number; value?: number[]; value_tail?: number[] }
      >;
      expect((info.metrics as Json[]).map((m) => m.name)).toEqual(Object.keys(metrics).sort());
      for (const m of info.metrics as Json[]) {
        const e = metrics[m.name as string];
        expect(m.count).toBe(e.count);
        expect(m.lastValue).toBe((e.value ?? e.value_tail)!.at(-1));
      }
      const media = expected.media as Array<{ name: string }>;
      expect((info.media as Json[]).reduce((a, m) => a + (m.count as number), 0)).toBe(media.length);
      expect((info.histograms as Json[]).map((h) => (h.file as string).split('/').pop())).toEqual(
        Object.keys(expected.histogram_files as Json).sort(),
      );
      expect(info.config).toEqual(JSON.parse(JSON.stringify((expected.metadata as Json).config ?? {})));
      const log = info.log as { file: string; tail: string[] } | null;
      if (log) expect(log.tail.length).toBeLessThanOrEqual(10);
    }
    const text = kobo(['info', join(fixtures.base, 'vision', 'lka9')]);
    expect(text.stdout).toContain('train/loss   40962  0..40961');
    expect(text.stdout).toContain('logs/board.log (last 4 lines)');
    expect(kobo(['info', fixtures.base]).code).toBe(2);
  });
});
