/**
 * The Python-written fixture runs in test/fixtures/python-boards, copied to a temporary directory:
 * the shared copy may have no write bits, and SQLite touches -shm files even when reading.
 */
import { chmodSync, cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
export const FIXTURES_DIR = resolve(REPO_ROOT, 'test/fixtures/python-boards');

export interface FixtureRun {
  path: string;
  expected: string;
  project: string;
  board_id: string;
  state: string;
}

export function fixtureIndex(): { runs: FixtureRun[]; list_boards: Array<Record<string, unknown>> } {
  return JSON.parse(readFileSync(join(FIXTURES_DIR, 'index.json'), 'utf8'));
}

function makeWritable(path: string): void {
  const st = statSync(path);
  chmodSync(path, st.isDirectory() ? 0o755 : 0o644);
  if (st.isDirectory()) for (const e of readdirSync(path)) makeWritable(join(path, e));
}

/** Copies the fixture base directory to a fresh temporary directory; returns it and a cleanup function. */
export function copyFixtures(): { base: string; root: string; cleanup: () => void } {
  const root = mkdtempSync(join(tmpdir(), 'kobo-fixtures-'));
  cpSync(join(FIXTURES_DIR, 'base'), join(root, 'base'), { recursive: true });
  makeWritable(root);
  return { base: join(root, 'base'), root, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

export function readExpected(run: FixtureRun): Record<string, unknown> {
  return JSON.parse(readFileSync(join(FIXTURES_DIR, run.expected), 'utf8'));
}

/** The run folder of a fixture inside a copy made by copyFixtures. */
export function fixtureRunDir(base: string, run: FixtureRun): string {
  return join(base, run.path.replace(/^base\//, ''));
}
