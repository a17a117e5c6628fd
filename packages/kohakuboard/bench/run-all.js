// `npm run bench`: every benchmark of the project, one `BENCH <name> <value> <unit>` line per figure.
// Each benchmark runs in its own process so that one's memory and threads do not disturb the next.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '../../..');
const scripts = [
  join(here, 'storage.js'),
  join(here, 'client.js'),
  join(here, 'system-metrics.js'),
  join(root, 'packages/series/bench/downsample.mjs'),
  join(here, 'viewer.js'),
  join(here, 'export.js'),
  join(here, 'viewer-heavy.js'),
  join(here, 'tensorboard.js'),
  join(root, 'packages/ui/bench/ui.js'),
  join(root, 'packages/server/bench/server.js'),
  join(root, 'packages/server/bench/ingest.js'),
  join(root, 'packages/server/bench/sync.js'),
  join(root, 'packages/server/bench/memory-sync.js'),
  join(root, 'packages/server/bench/live-sync.js'),
];

console.log(`# node ${process.version}, ${process.platform} ${process.arch}`);
let failed = false;
for (const script of scripts) {
  if (!existsSync(script)) continue;
  const r = spawnSync(process.execPath, ['--expose-gc', script], { stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`benchmark ${script} failed with exit code ${r.status}`);
    failed = true;
  }
}
process.exitCode = failed ? 1 : 0;
