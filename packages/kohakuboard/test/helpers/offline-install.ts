/**
 * Installs the packed `kohakuboard` tarballs into a project of its own, outside the repository, as a user
 * would — but without the network: the project gets a lock file made from the repository's (the same
 * dependency versions, whose tarballs the repository's own `npm ci` left in npm's cache), and `npm ci
 * --offline` installs from the cache. Install scripts are skipped and better-sqlite3's native addon is copied
 * from the repository's install (same version, same Node), which saves compiling it a second time.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

interface LockEntry {
  version?: string;
  resolved?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  [key: string]: unknown;
}

const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/** `npm pack` of the series and kohakuboard workspaces into `outDir`; returns the two tarball paths. */
export function packClient(repoRoot: string, outDir: string): { series: string; client: string } {
  const out = execFileSync(
    NPM,
    ['pack', '-w', 'packages/series', '-w', 'packages/kohakuboard', '--pack-destination', outDir, '--json'],
    { cwd: repoRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const packed = JSON.parse(out) as Array<{ name: string; filename: string }>;
  const file = (name: string) => join(outDir, packed.find((p) => p.name === name)!.filename);
  return { series: file('@kohakuboard/series'), client: file('kohakuboard') };
}

/** Lock keys of everything `names` need, found the way npm placed them (nested first, then each parent). */
function closure(packages: Record<string, LockEntry>, names: string[]): Set<string> {
  const locate = (from: string, name: string): string | null => {
    let base = from;
    for (;;) {
      const key = base ? `${base}/node_modules/${name}` : `node_modules/${name}`;
      if (packages[key]) return key;
      if (!base) return null;
      const i = base.lastIndexOf('/node_modules/');
      base = i < 0 ? '' : base.slice(0, i);
    }
  };
  const need = new Set<string>();
  const visit = (name: string, from: string, optional: boolean) => {
    const key = locate(from, name);
    if (!key) {
      if (optional) return;
      throw new Error(`the repository's lock file has no ${name} (needed by ${from || 'kohakuboard'})`);
    }
    if (need.has(key)) return;
    need.add(key);
    const entry = packages[key];
    for (const d of Object.keys(entry.dependencies ?? {})) visit(d, key, false);
    for (const d of Object.keys(entry.optionalDependencies ?? {})) visit(d, key, true);
  };
  for (const n of names) visit(n, '', false);
  return need;
}

/** Writes package.json and package-lock.json of a project that depends on the two tarballs, then installs. */
export function installOffline(
  repoRoot: string,
  projectDir: string,
  tarballs: { series: string; client: string },
) {
  const rootPkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'));
  const clientPkg = JSON.parse(readFileSync(join(repoRoot, 'packages/kohakuboard/package.json'), 'utf8'));
  const seriesPkg = JSON.parse(readFileSync(join(repoRoot, 'packages/series/package.json'), 'utf8'));
  const lock = JSON.parse(readFileSync(join(repoRoot, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, LockEntry>;
  };
  const spec = (tgz: string) => `file:${relative(projectDir, tgz)}`;
  const dependencies = { kohakuboard: spec(tarballs.client), '@kohakuboard/series': spec(tarballs.series) };
  // The repository's overrides keep Node 20 installs free of engine warnings; a user's project needs them too.
  const pkg = {
    name: 'my-training',
    version: '1.0.0',
    private: true,
    type: 'module',
    dependencies,
    overrides: rootPkg.overrides,
  };
  writeFileSync(join(projectDir, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);

  const runtimeDeps = Object.keys(clientPkg.dependencies).filter((d) => d !== '@kohakuboard/series');
  const packages: Record<string, LockEntry> = {
    '': { name: pkg.name, version: pkg.version, dependencies },
    'node_modules/kohakuboard': {
      version: clientPkg.version,
      resolved: spec(tarballs.client),
      dependencies: clientPkg.dependencies,
      bin: clientPkg.bin,
      engines: clientPkg.engines,
    },
    'node_modules/@kohakuboard/series': { version: seriesPkg.version, resolved: spec(tarballs.series) },
  };
  for (const key of closure(lock.packages, runtimeDeps)) packages[key] = lock.packages[key];
  const projectLock = { name: pkg.name, version: pkg.version, lockfileVersion: 3, requires: true, packages };
  writeFileSync(join(projectDir, 'package-lock.json'), `${JSON.stringify(projectLock, null, 2)}\n`);

  const res = spawnSync(NPM, ['ci', '--offline', '--ignore-scripts', '--no-audit', '--no-fund'], {
    cwd: projectDir,
    encoding: 'utf8',
  });
  if (res.status !== 0) throw new Error(`npm ci failed (${res.status}):\n${res.stdout}\n${res.stderr}`);
  cpSync(
    join(repoRoot, 'node_modules/better-sqlite3/build'),
    join(projectDir, 'node_modules/better-sqlite3/build'),
    { recursive: true },
  );
  return { stdout: res.stdout, stderr: res.stderr };
}
