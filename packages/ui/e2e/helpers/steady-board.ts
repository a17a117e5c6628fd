/** Drives steady-board-process.mjs: a child process whose real `Board` logs steadily into a data directory. */
import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CLIENT_MODULE } from './paths';

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'steady-board-process.mjs');

export interface SteadyBoard {
  /** Starts logging `epoch`, a metric without a namespace, as well. */
  logTopLevel: () => void;
  /** Finishes the run (status "finished") and waits for the process to exit. */
  finish: () => Promise<void>;
  /** Ends the process if it still runs (test clean-up). */
  kill: () => void;
}

export async function startSteadyBoard(
  baseDir: string,
  project: string,
  runId: string,
): Promise<SteadyBoard> {
  const child: ChildProcess = spawn(process.execPath, [SCRIPT, CLIENT_MODULE, baseDir, project, runId], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (d: Buffer) => {
    output += String(d);
  };
  child.stderr?.on('data', collect);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => {
      collect(d);
      if (output.includes('started')) resolve();
    });
    void exited.then((code) => reject(new Error(`the board process exited (${code}):\n${output}`)));
  });
  return {
    logTopLevel: () => child.stdin?.write('top\n'),
    finish: async () => {
      child.stdin?.write('finish\n');
      const code = await exited;
      if (code !== 0) throw new Error(`the board process exited with ${code}:\n${output}`);
    },
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}
