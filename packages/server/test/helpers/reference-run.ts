/**
 * A reference run written by this project's own Board: scalars (non-finite values among them), and every
 * 25 steps a histogram, an image, a table with a media cell, a tensor and a KDE. Uploads of its content must
 * give a run whose dump equals this one's.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Board, Histogram, KernelDensity, Media, Table, TensorLog } from 'kohakuboard';

export async function writeReferenceRun(baseDir: string, runId: string, lastStep = 150): Promise<string> {
  const board = new Board({
    baseDir,
    project: 'reference',
    runId,
    name: `reference ${runId}`,
    config: { lr: 0.001, layers: [64, 32], note: 'ünïcode' },
    captureOutput: false,
    handleSignals: false,
  });
  for (let s = 0; s <= lastStep; s++) {
    const values: Record<string, unknown> = {
      'train/loss': Math.exp(-s / 50),
      'train/acc': s / lastStep,
      'val/odd': s % 40 === 7 ? Number.NaN : s % 40 === 8 ? Number.POSITIVE_INFINITY : s * 0.5,
    };
    if (s % 25 === 0) {
      const samples = Float64Array.from({ length: 500 }, (_, i) => Math.sin(i * 0.37 + s) * (1 + s / 100));
      const pixels = Uint8Array.from({ length: 4 * 4 * 3 }, (_, i) => (i * 17 + s) % 256);
      values['params/w'] = new Histogram(samples, { numBins: 16 });
      values['params/b'] = new Histogram(
        samples.map((x) => x * 2),
        { numBins: 16, precision: 'compact' },
      );
      values.samples = new Media(
        { data: pixels, width: 4, height: 4, channels: 3 },
        { caption: `step ${s}` },
      );
      values.preds = new Table({
        columns: ['id', 'score', 'image'],
        rows: [
          [1, s / 10, new Media({ data: pixels.map((x) => 255 - x), width: 4, height: 4, channels: 3 })],
          [2, Number.NaN, null],
        ],
      });
      values['weights/fc'] = new TensorLog(
        Float32Array.from({ length: 6 }, (_, i) => i * s),
        { shape: [2, 3] },
      );
      values.density = new KernelDensity({ values: samples });
    }
    board.log(values as Parameters<Board['log']>[0]);
  }
  await board.finish();
  const project = join(baseDir, 'reference');
  const folder = readdirSync(project).find((f) => f === runId || f.startsWith(`${runId}_`));
  if (!folder) throw new Error(`the reference run ${runId} was not written`);
  return join(project, folder);
}
