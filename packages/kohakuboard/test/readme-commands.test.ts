/**
 * Every shell command of the README works as written, run in order in a fresh folder: `npx kobo …` and
 * `npx kobo-serve …` run the built packages; the servers are started, asked one request and stopped. Each
 * command either runs here or is named below with the test or CI step that runs it, so a command added to
 * the README without being tried fails this test.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KOBO_BIN } from './helpers/child-process.js';
import { REPO_ROOT } from './helpers/fixtures.js';
import { TB_LOGS } from './helpers/tensorboard.js';

const SERVE_BIN = join(REPO_ROOT, 'packages/server/bin/kobo-serve.js');
const CLIENT_ENTRY = pathToFileURL(join(REPO_ROOT, 'packages/kohakuboard/dist/index.js')).href;

/** Commands run elsewhere, with where. */
const RUN_ELSEWHERE: Array<[RegExp, string]> = [
  [/^npm ci && npm start$/, 'CI installs with npm ci; the example run is e2e/example-run.test.ts'],
  [/^npm test$/, 'this test run itself'],
  [/^npm run (build|lint|typecheck)$/, 'CI runs them before the tests'],
  [/<clone>/, 'installing from a clone: package-install.test.ts packs and installs the packages'],
];

/** The command lines of the README's `sh` blocks, without comments, in order. */
function readmeCommands(): string[] {
  const text = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
  const out: string[] = [];
  for (const block of text.matchAll(/```sh\n([\s\S]*?)```/g)) {
    for (const raw of block[1].split('\n')) {
      const line = raw.replace(/\s+#\s.*$/, '').trim();
      if (line !== '' && !line.startsWith('#')) out.push(line);
    }
  }
  return out;
}

let work: string;
let env: NodeJS.ProcessEnv;
const children = new Set<ChildProcess>();

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'kobo-readme-'));
  const bin = join(work, '.bin');
  mkdirSync(bin);
  const shim = (name: string, target: string) => {
    writeFileSync(join(bin, name), `#!/bin/sh\nexec "${process.execPath}" "${target}" "$@"\n`);
    chmodSync(join(bin, name), 0o755);
  };
  shim('kobo', KOBO_BIN);
  shim('kobo-serve', SERVE_BIN);
  // `npx X` is X from the project's node_modules/.bin; here it is the built package of this repository.
  writeFileSync(join(bin, 'npx'), '#!/bin/sh\nexec "$@"\n');
  chmodSync(join(bin, 'npx'), 0o755);
  env = {
    ...process.env,
    PATH: `${bin}:${process.env.PATH ?? ''}`,
    HOME: work,
    XDG_CACHE_HOME: join(work, '.cache'),
    DISPLAY: '',
    KOHAKU_BOARD_DATA_DIR: '',
  };
  // What a user has when they reach these commands: a secret file, TensorBoard logs in runs/, and a run in
  // ./kohakuboard logged by a script of theirs.
  writeFileSync(join(work, 'FILE'), 'a-session-secret-of-at-least-thirty-two-characters\n');
  cpSync(TB_LOGS, join(work, 'runs'), { recursive: true });
  const script = join(work, 'train.mjs');
  writeFileSync(
    script,
    `import { Board, Histogram, Media } from '${CLIENT_ENTRY}';
const board = new Board({ project: 'mnist', config: { lr: 3e-4 }, captureOutput: false });
for (let step = 0; step < 50; step++) {
  board.step();
  board.log({ 'train/loss': 1 / (step + 1), 'train/acc': step / 50 });
  if (step % 10 === 0) {
    board.log({ 'weights/fc1': new Histogram(Float32Array.from({ length: 100 }, (_, i) => Math.sin(i + step))) });
    board.logImages('samples', { data: new Uint8Array(8 * 8 * 3).fill(step), width: 8, height: 8 }, 'step ' + step);
  }
}
await board.finish();
`,
  );
  const r = spawnSync(process.execPath, [script], { cwd: work, env, encoding: 'utf8', timeout: 120_000 });
  expect(r.status, r.stderr).toBe(0);
});

afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  if (work) rmSync(work, { recursive: true, force: true });
});

function runDir(): string {
  const project = join(work, 'kohakuboard', 'mnist');
  const [run] = readdirSync(project);
  return join('kohakuboard', 'mnist', run);
}

/** Runs a server command until it answers `probe` with 200, then stops it with SIGINT. */
async function serveOnce(command: string, probe: string): Promise<void> {
  const child = spawn('sh', ['-c', `exec ${command}`], { cwd: work, env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let out = '';
  child.stdout?.on('data', (d) => {
    out += d;
  });
  child.stderr?.on('data', (d) => {
    out += d;
  });
  const base = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${command}: no address printed\n${out}`)), 90_000);
    const look = () => {
      const m = /http:\/\/127\.0\.0\.1:(\d+)|listening on 127\.0\.0\.1:(\d+)/.exec(out);
      if (m && Number(m[1] ?? m[2]) > 0) {
        clearTimeout(timer);
        resolve(`http://127.0.0.1:${m[1] ?? m[2]}`);
      }
    };
    child.stdout?.on('data', look);
    child.stderr?.on('data', look);
    child.once('exit', (code) => reject(new Error(`${command}: exited ${code}\n${out}`)));
  });
  const res = await fetch(base + probe);
  expect(res.status, `${command}: GET ${probe}\n${out}`).toBe(200);
  await res.arrayBuffer();
  // A user reads the page before pressing Ctrl+C; stopping while the task pool's threads still load their
  // modules can abort Node 20 inside a starting worker (a fatal error of its require of an ES module).
  await new Promise((r) => setTimeout(r, 2000));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill('SIGINT');
  const code = await exited;
  children.delete(child);
  expect(code, `${command} after Ctrl+C\n${out}`).toBe(0);
}

describe('the README', () => {
  it('has commands, each either run here or run by a named test or CI step', async () => {
    const commands = readmeCommands();
    expect(commands.length).toBeGreaterThan(15);
    const ran: string[] = [];
    for (const line of commands) {
      if (RUN_ELSEWHERE.some(([re]) => re.test(line))) continue;
      const command = line.replaceAll('RUN_DIR', runDir());
      if (/^npx kobo open\b/.test(command)) {
        // A fixed port could be taken on a test machine; any free one shows the same.
        const onFreePort = command.includes('--port')
          ? command.replace(/--port \d+/, '--port 0')
          : `${command} --port 0`;
        await serveOnce(onFreePort, '/api/projects');
      } else if (/^npx kobo-serve\b/.test(command)) {
        await serveOnce(`${command} --port 0`, '/api/system/info');
      } else {
        const r = spawnSync('sh', ['-c', command], { cwd: work, env, encoding: 'utf8', timeout: 300_000 });
        expect(r.status, `${command}\n${r.stdout.slice(-2000)}\n${r.stderr.slice(-2000)}`).toBe(0);
        const out = /--out (\S+)/.exec(command)?.[1];
        if (out !== undefined && out !== '-') expect(existsSync(join(work, out)), command).toBe(true);
      }
      ran.push(line);
    }
    // What the commands did: the run went to the trash last, the TensorBoard runs were imported.
    expect(ran.at(-1)).toMatch(/^npx kobo rm /);
    expect(existsSync(join(work, 'kohakuboard', '.trash'))).toBe(true);
    expect(ran.length).toBeGreaterThan(12);
  });
});
