// TensorBoard import benchmark (run after `npm run build`):
//   tensorboard_import_events_per_s         a generated log directory of 1,000,000 scalar events and 1,000 PNG
//                                           images in 4 runs, imported from scratch by `importLogDir`
//   tensorboard_import_scalar_events_per_s  the same import counted in scalar events (target ≥ 500,000/s)
//   tensorboard_reimport_ms                 importing the same directory again (nothing new to read)
//   tensorboard_loader_events_per_s         TensorBoard's own loader (EventAccumulator) on the same files, and
//   tensorboard_import_vs_loader            the ratio, when `python3 -c "import tensorboard"` works
// The event files are written here with the project's own TFRecord writer, never committed.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { encode as encodePng } from 'fast-png';
import { importLogDir } from '../dist/tensorboard/index.js';
import { encodeEvent, frameRecord } from '../dist/tensorboard/record-writer.js';
import { bench, nowMs, tempDir } from './lib.js';

const SCALARS = Number(process.env.KOBO_BENCH_TB_SCALARS ?? 1_000_000);
const IMAGES = Number(process.env.KOBO_BENCH_TB_IMAGES ?? 1_000);
const RUNS = 4;
const TAGS = ['train/loss', 'train/acc', 'train/lr', 'val/loss'];
const WALL0 = 1_760_000_000;

/** A 32×32 RGB PNG of noise (about 3 KiB), different for every seed. */
function noisePng(seed) {
  const data = new Uint8Array(32 * 32 * 3);
  let x = seed * 2654435761 + 1;
  for (let i = 0; i < data.length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    data[i] = x >>> 24;
  }
  return encodePng({ width: 32, height: 32, data, channels: 3 });
}

/** Writes one run: a file_version event, then scalar events with an image every so often. */
function writeRun(dir, run, scalars, images) {
  mkdirSync(dir, { recursive: true });
  const parts = [frameRecord(encodeEvent({ wallTime: WALL0, fileVersion: 'brain.Event:2' }))];
  const imageEvery = Math.max(1, Math.floor(scalars / Math.max(1, images)));
  let written = 0;
  for (let i = 0; i < scalars; i++) {
    const step = Math.floor(i / TAGS.length);
    const tag = TAGS[i % TAGS.length];
    const value = Math.fround(Math.sin(i / 1000) + run);
    parts.push(
      frameRecord(
        encodeEvent({ wallTime: WALL0 + i / 1000, step, summary: { value: [{ tag, simpleValue: value }] } }),
      ),
    );
    if (written < images && i % imageEvery === 0) {
      const png = noisePng(run * 100_000 + written);
      const image = { height: 32, width: 32, colorspace: 3, encodedImageString: png };
      parts.push(
        frameRecord(
          encodeEvent({ wallTime: WALL0 + i / 1000, step, summary: { value: [{ tag: 'samples', image }] } }),
        ),
      );
      written++;
    }
  }
  const bytes = Buffer.concat(parts);
  writeFileSync(join(dir, `events.out.tfevents.${WALL0}.bench.${run}`), bytes);
  return { events: parts.length, bytes: bytes.length };
}

function tensorBoardLoader(logDir) {
  const probe = spawnSync('python3', ['-c', 'import tensorboard'], { encoding: 'utf8' });
  if (probe.status !== 0) {
    console.log(
      '# TensorBoard is not installed here (python3 -c "import tensorboard" failed): its loader was skipped',
    );
    return null;
  }
  const script = `
import sys, time, os
from tensorboard.backend.event_processing import event_accumulator as ea
t0 = time.perf_counter(); n = 0
for d in sorted(os.listdir(sys.argv[1])):
    acc = ea.EventAccumulator(os.path.join(sys.argv[1], d), size_guidance={ea.SCALARS: 0, ea.IMAGES: 0, ea.TENSORS: 0})
    acc.Reload()
    tags = acc.Tags()
    n += sum(len(acc.Scalars(t)) for t in tags['scalars']) + sum(len(acc.Images(t)) for t in tags['images'])
print(n, time.perf_counter() - t0)
`;
  const r = spawnSync('python3', ['-c', script, logDir], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (r.status !== 0) {
    console.log(`# TensorBoard's loader failed: ${r.stderr.trim().split('\n').pop()}`);
    return null;
  }
  const [n, seconds] = r.stdout.trim().split(/\s+/).map(Number);
  return { events: n, seconds };
}

const tmp = tempDir('kobo-bench-tb-');
try {
  const logDir = join(tmp.dir, 'logs');
  let events = 0;
  let bytes = 0;
  const t0 = nowMs();
  for (let r = 0; r < RUNS; r++) {
    const w = writeRun(join(logDir, `run${r}`), r, SCALARS / RUNS, IMAGES / RUNS);
    events += w.events;
    bytes += w.bytes;
  }
  console.log(
    `# generated ${RUNS} runs: ${events} events (${SCALARS} scalars, ${IMAGES} images), ` +
      `${(bytes / 2 ** 20).toFixed(1)} MiB in ${((nowMs() - t0) / 1000).toFixed(1)} s`,
  );
  const to = join(tmp.dir, 'board');
  const warn = (w) => console.log(`# warning: ${w.file}: ${w.message}`);
  const t1 = nowMs();
  const result = await importLogDir(logDir, { to, warn });
  const seconds = (nowMs() - t1) / 1000;
  if (result.events !== events) throw new Error(`imported ${result.events} events of ${events}`);
  console.log(
    `# imported in ${seconds.toFixed(2)} s (load average ${loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')})`,
  );
  bench('tensorboard_import_events_per_s', events / seconds, 'events/s');
  bench('tensorboard_import_scalar_events_per_s', SCALARS / seconds, 'events/s');
  const t2 = nowMs();
  const again = await importLogDir(logDir, { to, warn });
  if (again.events !== 0) throw new Error(`the second import read ${again.events} events`);
  bench('tensorboard_reimport_ms', nowMs() - t2, 'ms');
  const loader = tensorBoardLoader(logDir);
  if (loader) {
    bench('tensorboard_loader_events_per_s', loader.events / loader.seconds, 'events/s');
    bench('tensorboard_import_vs_loader', events / seconds / (loader.events / loader.seconds), 'x');
  }
} finally {
  tmp.cleanup();
}
