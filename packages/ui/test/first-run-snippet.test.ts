/**
 * The empty state's example imports the client by the name the client package really exports
 * (docs/ui.md#empty-states), and its install steps name the packages and tarballs the repository really makes, so
 * neither can drift from the packages.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  CLIENT_EXPORT,
  CLIENT_PACKAGE,
  installSteps,
  REGISTRY_INSTALL_COMMAND,
  SERIES_PACKAGE,
  typescriptSnippet,
} from '../src/docs/first-run-snippet';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const packageJson = (dir: string) => JSON.parse(readFileSync(resolve(root, dir, 'package.json'), 'utf8'));

/** The file `npm pack` writes for a package: the scope's "@" dropped and its "/" made a "-". */
const tarballOf = (pkg: { name: string; version: string }) =>
  `${pkg.name.replace(/^@/, '').replace('/', '-')}-${pkg.version}.tgz`;

describe('first-run snippet', () => {
  it('names the client package and an export it really has', () => {
    expect(packageJson('packages/kohakuboard').name).toBe(CLIENT_PACKAGE);
    const index = readFileSync(resolve(root, 'packages/kohakuboard/src/index.ts'), 'utf8');
    expect(index).toMatch(new RegExp(`export\\s*\\{[^}]*\\b${CLIENT_EXPORT}\\b[^}]*\\}\\s*from`));
    expect(REGISTRY_INSTALL_COMMAND).toBe(`npm install ${CLIENT_PACKAGE}`);
    const code = typescriptSnippet('demo');
    expect(code).toContain(`import { ${CLIENT_EXPORT} } from '${CLIENT_PACKAGE}'`);
    expect(code).toContain(`new ${CLIENT_EXPORT}(`);
    expect(code).toContain('board.finish()');
  });

  it('installs from the clone folders and the tarballs npm pack makes of them', () => {
    const client = packageJson('packages/kohakuboard');
    const series = packageJson('packages/series');
    expect(series.name).toBe(SERIES_PACKAGE);
    // The client depends on the series package, which the registry does not have either.
    expect(Object.keys(client.dependencies)).toContain(SERIES_PACKAGE);
    const steps = installSteps(client.version);
    expect(steps.fromClone).toBe('npm install <clone>/packages/kohakuboard');
    expect(steps.pack).toBe('npm pack ./packages/series ./packages/kohakuboard');
    expect(steps.fromTarballs).toBe(`npm install ./${tarballOf(series)} ./${tarballOf(client)}`);
  });
});
