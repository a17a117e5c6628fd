/**
 * A run with very many metrics (10,000), for the run page's virtual card list. A SQLite file per metric
 * takes an fsync each to write, too slow for a test at this count: a few distinct metrics are written
 * with the storage writers, and the others are byte copies of them under their own names (a metric
 * file holds no name; its file name gives it), so metric i holds the values of template i mod T.
 */
import { copyFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { STORAGE_MODULE } from './paths';
import { TestRun } from './run-writer';

type Storage = typeof import('../../../kohakuboard/src/storage/index');

export interface WideRun {
  project: string;
  runId: string;
  /** Every metric name, in order. */
  metrics: string[];
  /** The value metric `index` holds at `step`. */
  valueAt: (index: number, step: number) => number;
  steps: number;
}

const TEMPLATES = 20;

export async function writeWideRun(
  base: string,
  o: { project: string; runId: string; count: number; name: (i: number) => string; steps: number },
): Promise<WideRun> {
  const s = (await import(pathToFileURL(STORAGE_MODULE).href)) as Storage;
  const metrics = Array.from({ length: o.count }, (_, i) => o.name(i));
  const valueAt = (index: number, step: number) =>
    Math.round(1000 * Math.sin(step / 3 + (index % TEMPLATES))) / 1000;
  const run = await TestRun.create(base, { project: o.project, runId: o.runId, name: 'wide run' });
  const templates = metrics.slice(0, TEMPLATES);
  run.append(
    templates,
    o.steps,
    (m, step) => valueAt(templates.indexOf(m), step),
    1000,
    (step) => step,
  );
  run.finish();
  const dir = join(base, o.project, o.runId);
  const metricsDir = s.runPaths(dir).metricsDir;
  const fileOf = (name: string) => join(metricsDir, `${s.logNameToFileStem(name)}.db`);
  for (let i = TEMPLATES; i < metrics.length; i++)
    copyFileSync(fileOf(metrics[i % TEMPLATES]), fileOf(metrics[i]));
  const files = readdirSync(metricsDir).filter((f) => f.endsWith('.db')).length;
  if (files !== metrics.length) throw new Error(`${files} metric files written, ${metrics.length} expected`);
  return { project: o.project, runId: o.runId, metrics, valueAt, steps: o.steps };
}
