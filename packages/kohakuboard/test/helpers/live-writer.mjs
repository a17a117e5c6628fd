// A training run that logs from another process while the viewer reads it: one metric and the step index,
// one transaction per batch, as this project's writer commits (CLIENT.md §9.3). Uses the built storage
// library (dist/), so `npm run build` must have run. Usage: node live-writer.mjs RUN_DIR BATCHES ROWS DELAY_MS
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  createMetadataTables,
  formatPythonIso,
  MetadataDbWriter,
  MetricFileWriter,
  openForWriting,
  writeMetadataJson,
} from '../../dist/storage/index.js';

const [runDir, batchesText, rowsText, delayText] = process.argv.slice(2);
const batches = Number(batchesText);
const rows = Number(rowsText);
const delay = Number(delayText);
const T0 = 1738134000000;

/** The value logged at a step: readers check every value against it. */
export const valueAt = (step) => Math.sin(step / 100) + step / 1e4;

mkdirSync(join(runDir, 'data', 'metrics'), { recursive: true });
const meta = (status, finished) => ({
  name: 'Live Run',
  config: { lr: 0.01 },
  created_at: formatPythonIso(T0),
  project: 'live',
  finished_at: finished ? formatPythonIso(Date.now()) : null,
  run_id: 'w1',
  annotation: null,
  status,
  version: '0.1.0',
  updated_at: formatPythonIso(Date.now()),
});
const md = openForWriting(join(runDir, 'data', 'metadata.db'), 'metadata');
createMetadataTables(md.db);
writeMetadataJson(runDir, meta('running', false));
const steps = new MetadataDbWriter(md.db);
const file = join(runDir, 'data', 'metrics', 'loss.db');
const mh = openForWriting(file, 'columnvault');
const metric = new MetricFileWriter(mh.db, file);

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
let step = 0;
for (let b = 0; b < batches; b++) {
  const s = [];
  const v = [];
  const t = [];
  for (let i = 0; i < rows; i++, step++) {
    s.push(step);
    v.push(valueAt(step));
    t.push(T0 + step);
  }
  metric.append({ step: s, globalStep: s, timestamp: t, value: v });
  md.db.transaction(() => {
    for (let i = 0; i < s.length; i++) steps.step(s[i], s[i], t[i]);
  })();
  await sleep(delay);
}
mh.db.close();
md.db.close();
writeMetadataJson(runDir, meta('finished', true));
process.stdout.write(`done ${step}\n`);
