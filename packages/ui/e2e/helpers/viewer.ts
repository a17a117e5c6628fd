/**
 * Starts `kobo open` on a data directory (a temporary copy of the fixtures, or runs a test wrote)
 * on 127.0.0.1 with a free port, and stops it again.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  utimesSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FIXTURES_DIR, KOBO_BIN, UI_DIST } from './paths';

export interface Viewer {
  url: string;
  dataDir: string;
  stop: () => Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * When the fixture runs were written (their last logged data is from 2025-11-21). A copy made now would
 * otherwise look freshly active, and the viewer would report the crashed run as running until its
 * `--stale-after` (300 s) had passed since the copy.
 */
const FIXTURES_WRITTEN_AT = new Date('2025-11-21T12:00:30Z');

/** Writable (SQLite touches -shm files even when reading), with the files' times of the original runs. */
function prepareCopy(path: string): void {
  const st = statSync(path);
  chmodSync(path, st.isDirectory() ? 0o755 : 0o644);
  if (st.isDirectory()) for (const e of readdirSync(path)) prepareCopy(join(path, e));
  utimesSync(path, FIXTURES_WRITTEN_AT, FIXTURES_WRITTEN_AT);
}

/** A writable temporary copy of the fixture runs, as old as the runs are. */
export function copyFixtures(): { dir: string; cleanup: () => void } {
  const root = mkdtempSync(join(tmpdir(), 'kobo-ui-fixtures-'));
  cpSync(join(FIXTURES_DIR, 'base'), join(root, 'base'), { recursive: true });
  prepareCopy(root);
  return { dir: join(root, 'base'), cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

export function emptyDataDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'kobo-ui-data-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export async function startViewer(dataDir: string, extraArgs: string[] = []): Promise<Viewer> {
  if (!existsSync(join(UI_DIST, 'index.html'))) {
    throw new Error(
      'The UI is not built: run `npm run build` first (packages/kohakuboard/ui-dist is missing).',
    );
  }
  const port = await freePort();
  const child: ChildProcess = spawn(
    process.execPath,
    [KOBO_BIN, 'open', dataDir, '--port', String(port), '--host', '127.0.0.1', ...extraArgs],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout?.on('data', (d) => {
    output += String(d);
  });
  child.stderr?.on('data', (d) => {
    output += String(d);
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`kobo open exited early:\n${output}`);
    try {
      const res = await fetch(`${url}/api/system/info`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`kobo open did not start:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    dataDir,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}
