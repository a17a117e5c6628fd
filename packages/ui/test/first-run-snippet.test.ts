/**
 * The empty state's example imports the client by the name the client package really exports
 * (UI.md §17.1), so the snippet cannot drift from the package.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  CLIENT_EXPORT,
  CLIENT_PACKAGE,
  INSTALL_COMMAND,
  typescriptSnippet,
} from '../src/docs/first-run-snippet';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

describe('first-run snippet', () => {
  it('names the client package and an export it really has', () => {
    const pkg = JSON.parse(readFileSync(resolve(root, 'packages/kohakuboard/package.json'), 'utf8'));
    expect(pkg.name).toBe(CLIENT_PACKAGE);
    const index = readFileSync(resolve(root, 'packages/kohakuboard/src/index.ts'), 'utf8');
    expect(index).toMatch(new RegExp(`export\\s*\\{[^}]*\\b${CLIENT_EXPORT}\\b[^}]*\\}\\s*from`));
    expect(INSTALL_COMMAND).toBe(`npm install ${CLIENT_PACKAGE}`);
    const code = typescriptSnippet('demo');
    expect(code).toContain(`import { ${CLIENT_EXPORT} } from '${CLIENT_PACKAGE}'`);
    expect(code).toContain(`new ${CLIENT_EXPORT}(`);
    expect(code).toContain('board.finish()');
  });
});
