/**
 * PostgreSQL for tests: `KOBO_TEST_PG_URL` (a role that may create databases), else a throwaway cluster
 * started here with the system's initdb/pg_ctl on a free port, run as an unprivileged user (PostgreSQL
 * refuses root), stopped at the end. Every test file gets its own database.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

function findBinDir(): string | null {
  const fromPath = spawnSync('sh', ['-c', 'command -v pg_ctl'], { encoding: 'utf8' }).stdout.trim();
  if (fromPath && existsSync(join(fromPath, '..', 'initdb'))) return join(fromPath, '..');
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'pg_ctl')))
    .sort((a, b) => Number(b) - Number(a));
  return versions.length ? join(root, versions[0], 'bin') : null;
}

/** Whether PostgreSQL tests can run here: a URL is given or a cluster can be started. */
export function postgresAvailable(): { ok: boolean; why: string } {
  if (process.env.KOBO_TEST_PG_URL) return { ok: true, why: 'KOBO_TEST_PG_URL' };
  if (findBinDir()) return { ok: true, why: 'throwaway cluster' };
  return { ok: false, why: 'neither KOBO_TEST_PG_URL nor initdb/pg_ctl found' };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

interface Cluster {
  adminUrl: string;
  stop(): void;
}

/** The unprivileged account to run the cluster as when this process is root. */
function runAsUser(): { user: string; uid: number; gid: number } | null {
  if (process.getuid?.() !== 0) return null;
  for (const user of ['postgres', 'nobody']) {
    const r = spawnSync('id', ['-u', user], { encoding: 'utf8' });
    const g = spawnSync('id', ['-g', user], { encoding: 'utf8' });
    if (r.status === 0) return { user, uid: Number(r.stdout.trim()), gid: Number(g.stdout.trim()) };
  }
  throw new Error('running as root and no postgres or nobody account to run PostgreSQL as');
}

async function startCluster(): Promise<Cluster> {
  const bin = findBinDir();
  if (!bin) throw new Error('initdb/pg_ctl not found');
  const dir = mkdtempSync(join(tmpdir(), 'kobo-pg-'));
  const as = runAsUser();
  if (as) chownSync(dir, as.uid, as.gid);
  const run = (cmd: string, args: string[]) =>
    as
      ? execFileSync('runuser', ['-u', as.user, '--', join(bin, cmd), ...args], { stdio: 'pipe' })
      : execFileSync(join(bin, cmd), args, { stdio: 'pipe' });
  const data = join(dir, 'data');
  run('initdb', ['-D', data, '-U', 'kobo', '--auth=trust', '-E', 'UTF8', '--no-sync']);
  const port = await freePort();
  run('pg_ctl', [
    '-D',
    data,
    '-l',
    join(dir, 'log'),
    '-o',
    `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`,
    '-w',
    'start',
  ]);
  return {
    adminUrl: `postgres://kobo@127.0.0.1:${port}/postgres`,
    stop() {
      try {
        run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

/** A new empty database on the test server; `drop` removes it (and the throwaway cluster, if one). */
export async function createTestDatabase(): Promise<TestDatabase> {
  const cluster = process.env.KOBO_TEST_PG_URL ? null : await startCluster();
  const adminUrl = process.env.KOBO_TEST_PG_URL ?? cluster!.adminUrl;
  const name = `kobo_test_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      if (cluster) {
        cluster.stop();
        return;
      }
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}
