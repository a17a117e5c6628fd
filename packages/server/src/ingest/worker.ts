/** An ingest thread: runs the tasks the pool sends, one at a time, and answers each with its result or error. */
import { parentPort } from 'node:worker_threads';
import { type IngestTask, IngestTasks } from './tasks.js';

const tasks = new IngestTasks();
const port = parentPort;
if (!port) throw new Error('the ingest worker must run in a worker thread');

port.on('message', (m: { id: number; task: IngestTask }) => {
  try {
    port.postMessage({ id: m.id, ok: true, value: tasks.run(m.task) });
  } catch (err) {
    const e = err as Error & { code?: string };
    port.postMessage({
      id: m.id,
      ok: false,
      error: { message: e.message ?? String(err), code: e.code ?? null },
    });
  }
});
port.on('close', () => tasks.close());
