// Shared by the server's benchmark scripts: `kobo-serve --no-auth` as a child process on a free port of
// 127.0.0.1, and the BENCH line printer of the other benchmarks.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export { bench } from '../../kohakuboard/bench/lib.js';

export const SERVE = join(fileURLToPath(new URL('.', import.meta.url)), '../bin/kobo-serve.js');

/**
 * Starts `serve` (this package's kobo-serve unless another build is given) on `dataDir` with `args` added;
 * `port` resolves once it listens.
 */
export function startServer(dataDir, { args = [], serve = SERVE, timeoutMs = 120_000 } = {}) {
  const child = spawn(
    process.execPath,
    [serve, '--data-dir', dataDir, '--no-auth', '--port', '0', '--log-level', 'warn', ...args],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  const port = new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`kobo-serve did not start: ${out.slice(-2000)}`)),
      timeoutMs,
    );
    const onData = (d) => {
      out += String(d);
      const m = /listening on 127\.0\.0\.1:(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`kobo-serve exited ${code}: ${out.slice(-2000)}`)));
  });
  return {
    port,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
