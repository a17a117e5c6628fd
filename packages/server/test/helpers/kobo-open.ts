/** `kobo open DIR` as a child process on a free port: the local viewer the server's values are compared with. */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const KOBO = fileURLToPath(new URL('../../../kohakuboard/bin/kobo.js', import.meta.url));

export async function koboOpen(dir: string): Promise<{ url: string; stop(): Promise<void> }> {
  const child: ChildProcess = spawn(process.execPath, [KOBO, 'open', dir, '--port', '0', '--workers', '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`kobo open did not start: ${out}`)), 60_000);
    child.stdout!.on('data', (d) => {
      out += String(d);
      const m = /http:\/\/[^\s/]+:(\d+)\//.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(`http://127.0.0.1:${m[1]}`);
      }
    });
    child.once('exit', (code) => reject(new Error(`kobo open exited ${code}: ${out}`)));
  });
  return {
    url,
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
