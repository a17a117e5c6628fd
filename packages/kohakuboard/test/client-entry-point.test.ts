/**
 * The published entry point (`import … from 'kohakuboard'`) carries the API and nothing for tests: no module
 * it loads holds process-wide switches that change how boards behave. The internal hooks the failure tests
 * use travel with one board's options instead (src/client/internal-hooks.ts).
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { INTERNAL_HOOKS, internalHooksOf } from '../src/client/internal-hooks.js';

const SRC = join(dirname(fileURLToPath(import.meta.url)), '..', 'src');

/** Every source module the entry point loads, following relative static imports. */
function reachable(entry: string): Map<string, string> {
  const seen = new Map<string, string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    const text = readFileSync(file, 'utf8');
    seen.set(file, text);
    for (const m of text.matchAll(
      /(?:^|\n)\s*(?:import|export)[^'";]*?from\s+'(\.[^']+)'|import\s+'(\.[^']+)'/g,
    )) {
      const spec = (m[1] ?? m[2]).replace(/\.js$/, '.ts');
      visit(resolve(dirname(file), spec));
    }
  };
  visit(entry);
  return seen;
}

it('no module loaded by the public entry point exports a switch for tests', () => {
  const modules = reachable(join(SRC, 'index.ts'));
  expect(modules.size).toBeGreaterThan(20); // the walk found the client, writer and storage modules
  const offenders = [...modules]
    .filter(([, text]) => /export\s+(?:function|const|let)\s+set\w*Hooks?\b/.test(text))
    .map(([file]) => file.slice(SRC.length + 1));
  expect(offenders).toEqual([]);
  expect([...modules.keys()].some((f) => /test-hooks/.test(f))).toBe(false);
});

it('internal hooks come only from a symbol-keyed entry of one board’s options', () => {
  expect(internalHooksOf({ stallTimeoutMs: 5 })).toEqual({});
  expect(Object.keys({ [INTERNAL_HOOKS]: { stallTimeoutMs: 5 } })).toEqual([]);
  expect(
    internalHooksOf({ [INTERNAL_HOOKS]: { stallTimeoutMs: 1000, writerCrashAfterMessages: -1 } }),
  ).toEqual({
    stallTimeoutMs: 1000,
    writerCrashAfterMessages: undefined,
    diskFullWhileFileExists: undefined,
  });
});
