// The viewer under benchmark, in its own process so that the benchmark client's work does not disturb its
// event loop. Prints JSON lines: {"type":"listening"}, {"type":"indexed"}; answers "lag", "rss", "quit"
// on stdin. Usage: node viewer-server.js DATA_DIR
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createViewer } from '../dist/viewer/app.js';

const [dataDir] = process.argv.slice(2);
const say = (obj) => process.stdout.write(`${JSON.stringify(obj)}\n`);

const t0 = performance.now();
const viewer = await createViewer({ dataDir, uiDir: null });
await viewer.app.listen({ port: 0, host: '127.0.0.1' });
say({ type: 'listening', port: viewer.app.server.address().port, ms: performance.now() - t0 });
await viewer.index.ready;
say({ type: 'indexed', ms: performance.now() - t0, runs: viewer.index.size });

const lag = monitorEventLoopDelay({ resolution: 5 });
lag.enable();
let buffered = '';
process.stdin.on('data', (chunk) => {
  buffered += chunk;
  let nl = buffered.indexOf('\n');
  while (nl >= 0) {
    const cmd = buffered.slice(0, nl).trim();
    buffered = buffered.slice(nl + 1);
    nl = buffered.indexOf('\n');
    if (cmd === 'lag-reset') lag.reset();
    else if (cmd === 'lag')
      say({
        type: 'lag',
        maxMs: lag.max / 1e6,
        p99Ms: lag.percentile(99) / 1e6,
        atS: performance.now() / 1000,
      });
    else if (cmd === 'rss') {
      globalThis.gc?.();
      const mem = process.memoryUsage();
      say({ type: 'rss', mb: mem.rss / 1048576, heapMb: mem.heapUsed / 1048576 });
    } else if (cmd === 'quit') {
      viewer.close().then(() => process.exit(0));
    }
  }
});
