/**
 * Every Python-written fixture run is read exactly as its expected.json says, through the library and
 * through `kobo dump`.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dumpRun } from '../src/reader/run-dump.js';
import { listRuns } from '../src/storage/index.js';
import { copyFixtures, fixtureIndex, fixtureRunDir, REPO_ROOT, readExpected } from './helpers/fixtures.js';
import { columnVaultViolations } from './helpers/invariants.js';

const KOBO = join(REPO_ROOT, 'packages/kohakuboard/bin/kobo.js');
const COMPARED_KEYS = [
  'metadata',
  'state',
  'steps',
  'metrics',
  'histogram_files',
  'media',
  'tables',
  'tensors',
  'kernel_density',
  'output_log',
  'kvault',
  'layout',
  'wal_files',
] as const;

const index = fixtureIndex();
let fx: ReturnType<typeof copyFixtures>;

beforeAll(() => {
  fx = copyFixtures();
});
afterAll(() => fx.cleanup());

describe.each(index.runs.map((r) => [r.path, r] as const))('fixture %s', (_path, run) => {
  const expected = readExpected(run);

  it('reads through the library exactly as expected.json says', () => {
    const doc = dumpRun(fixtureRunDir(fx.base, run));
    for (const key of COMPARED_KEYS) expect(doc[key], key).toEqual(expected[key]);
  });

  it('reads through `kobo dump` exactly as expected.json says', () => {
    const out = execFileSync(process.execPath, [KOBO, 'dump', fixtureRunDir(fx.base, run)], {
      encoding: 'utf8',
      maxBuffer: 256 * 1024 * 1024,
    });
    const doc = JSON.parse(out);
    for (const key of COMPARED_KEYS) expect(doc[key], key).toEqual(expected[key]);
  });
});

describe('the fixture base directory', () => {
  it('lists every run in the three layouts with the projects list_boards() reports', () => {
    const listed = listRuns(fx.base)
      .map((r) => ({ project: r.project, board_id: r.folder }))
      .sort((a, b) => a.board_id.localeCompare(b.board_id));
    const want = index.list_boards
      .map((b) => ({ project: b.project, board_id: b.board_id }))
      .sort((a, b) => String(a.board_id).localeCompare(String(b.board_id)));
    expect(listed).toEqual(want);
  });

  it('keeps the invariants of docs/format.md#column-vault in every Python-written ColumnVault file', () => {
    const files: string[] = [];
    const walk = (d: string) => {
      for (const e of readdirSync(d, { withFileTypes: true })) {
        const p = join(d, e.name);
        if (e.isDirectory()) walk(p);
        else if (e.name.endsWith('.db') && (d.endsWith('metrics') || d.endsWith('histograms'))) files.push(p);
      }
    };
    walk(fx.base);
    expect(files.length).toBeGreaterThanOrEqual(5);
    for (const f of files) expect(columnVaultViolations(f)).toEqual([]);
  });

  it('keeps the crashed run readable although its data lives only in -wal files', () => {
    const crashed = index.runs.find((r) => r.state === 'unfinished');
    expect(crashed).toBeDefined();
    const dir = fixtureRunDir(fx.base, crashed!);
    const walSizes = readdirSync(join(dir, 'data'))
      .filter((f) => f.endsWith('-wal'))
      .map((f) => statSync(join(dir, 'data', f)).size);
    expect(walSizes.some((s) => s > 0)).toBe(true);
    const doc = dumpRun(dir);
    expect((doc.steps as { count: number }).count).toBe(
      (readExpected(crashed!).steps as { count: number }).count,
    );
  });
});
