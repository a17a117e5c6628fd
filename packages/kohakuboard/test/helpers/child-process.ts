/**
 * Running client scripts in child processes (they import the built package from dist/), and checking the
 * run folders they leave. Every child started here is killed when the test file ends.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll } from 'vitest';
import { columnVaultViolations, kvaultViolations } from './invariants.js';

export const SCRIPTS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'client-scripts');
export const KOBO_BIN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'kobo.js');

export interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunningChild {
  child: ChildProcess;
  /** Resolves with the first stdout line matching `re`. */
  waitForLine(re: RegExp): Promise<string>;
  done: Promise<ChildResult>;
  stdout(): string;
}

const children = new Set<ChildProcess>();
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

export interface ScriptOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Give the child a stdin pipe (closing it is then a way to tell the child to end). */
  stdin?: boolean;
}

/** Starts a script of client-scripts/ in a child process. */
export function startScript(script: string, args: string[], options: ScriptOptions = {}): RunningChild {
  return startNodeScript(join(SCRIPTS_DIR, script), args, options);
}

/** Starts a node script (by path) in a child process; it is killed when the test file ends. */
export function startNodeScript(path: string, args: string[], options: ScriptOptions = {}): RunningChild {
  const child = spawn(process.execPath, [path, ...args], {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: [options.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let stdout = '';
  let stderr = '';
  const lineWaiters: Array<{ re: RegExp; resolve: (line: string) => void }> = [];
  child.stdout?.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
    for (const w of [...lineWaiters]) {
      const line = stdout.split('\n').find((l) => w.re.test(l));
      if (line !== undefined) {
        lineWaiters.splice(lineWaiters.indexOf(w), 1);
        w.resolve(line);
      }
    }
  });
  child.stderr?.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
  });
  const done = new Promise<ChildResult>((resolve) => {
    child.on('close', (code, signal) => {
      children.delete(child);
      resolve({ code, signal, stdout, stderr });
    });
  });
  return {
    child,
    done,
    stdout: () => stdout,
    waitForLine(re) {
      const line = stdout.split('\n').find((l) => re.test(l));
      if (line !== undefined) return Promise.resolve(line);
      return new Promise((resolve, reject) => {
        lineWaiters.push({ re, resolve });
        done.then((r) =>
          reject(new Error(`child exited (${r.code ?? r.signal}) before printing ${re}\n${r.stderr}`)),
        );
      });
    },
  };
}

export function runScript(
  script: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
) {
  return startScript(script, args, options).done;
}

/** Runs a node script (by path) to its end. */
export function runScriptAt(path: string, args: string[], options: ScriptOptions = {}) {
  return startNodeScript(path, args, options).done;
}

/** The run folders under <baseDir>/<project>. */
export function runDirs(baseDir: string, project: string): string[] {
  const dir = join(baseDir, project);
  if (!existsSync(dir)) return [];
  return readdirSync(dir).map((name) => join(dir, name));
}

/**
 * Invariant violations of every file of a run (docs/format.md#column-vault, docs/format.md#kvault-files),
 * checked on the SQLite tables directly.
 */
export function runViolations(runDir: string): string[] {
  const out: string[] = [];
  const dbs = (dir: string) =>
    existsSync(dir)
      ? readdirSync(dir)
          .filter((f) => f.endsWith('.db'))
          .map((f) => join(dir, f))
      : [];
  for (const f of [...dbs(join(runDir, 'data', 'metrics')), ...dbs(join(runDir, 'data', 'histograms'))]) {
    out.push(...columnVaultViolations(f, { tsCreated: true }));
  }
  for (const f of [...dbs(join(runDir, 'data', 'tensors')), ...dbs(join(runDir, 'media'))]) {
    out.push(...kvaultViolations(f));
  }
  return out;
}
