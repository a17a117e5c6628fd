/** Paths the browser tests use, resolved from this file so tests run from any working directory. */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
export const FIXTURES_DIR = resolve(REPO_ROOT, 'test/fixtures/python-boards');
export const KOBO_BIN = resolve(REPO_ROOT, 'packages/kohakuboard/bin/kobo.js');
export const UI_DIST = resolve(REPO_ROOT, 'packages/kohakuboard/ui-dist');
export const STORAGE_MODULE = resolve(REPO_ROOT, 'packages/kohakuboard/dist/storage/index.js');
/** The logging client (`Board`) as the package exports it. */
export const CLIENT_MODULE = resolve(REPO_ROOT, 'packages/kohakuboard/dist/index.js');
export const EXAMPLES_DIR = resolve(REPO_ROOT, 'examples');
export const TSC_BIN = resolve(REPO_ROOT, 'node_modules/typescript/bin/tsc');
export const SCREENSHOT_DIR = resolve(REPO_ROOT, 'test-output/screenshots');
/** The team server's command (`kobo-serve`), run from its built package. */
export const SERVER_BIN = resolve(REPO_ROOT, 'packages/server/bin/kobo-serve.js');
