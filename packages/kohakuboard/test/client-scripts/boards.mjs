// Several boards in one process, and a memory-mode board that leaves nothing on disk.
import { existsSync, writeSync } from 'node:fs';
import { Board } from '../../dist/index.js';

const baseDir = process.argv[2];
// No system/ metrics: the test compares each run's metric list exactly.
const off = { systemMetrics: false };
const a = new Board({ ...off, baseDir, project: 'many', name: 'Board A', runId: 'boarda' });
const b = new Board({ ...off, baseDir, project: 'many', name: 'Board B', runId: 'boardb' });
const m = new Board({ ...off, baseDir, project: 'memory', memoryMode: true });
for (let i = 0; i < 500; i++) {
  a.log({ a: i });
  b.log({ b: -i });
  m.log({ m: i });
}
await m.flush();
await Promise.all([a.finish(), b.finish(), m.finish()]);
writeSync(1, `MEMORY-DIR-EXISTS ${existsSync(m.boardDir)}\n`);
