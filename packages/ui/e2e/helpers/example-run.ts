/**
 * A run written by the example training script (examples/src/train-shapes.ts), the way a user makes
 * one: `node train-shapes.js …` in a fresh folder, which logs to ./kohakuboard. The example is built
 * first when its dist is missing.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { EXAMPLES_DIR, TSC_BIN } from './paths';

const run = promisify(execFile);
const SCRIPT = join(EXAMPLES_DIR, 'dist/train-shapes.js');

export interface ExampleRun {
  /** The folder to `kobo open`. */
  dataDir: string;
  project: string;
  runId: string;
  /** What the script printed (its output.log holds the same lines). */
  stdout: string;
  cleanup: () => void;
}

/** The script must write below its working folder, as documented, whatever this shell sets. */
function withoutDataDirVariable(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.KOHAKU_BOARD_DATA_DIR;
  // Under `npm test`, npm's INIT_CWD names the repository root, where the example would write instead.
  delete env.INIT_CWD;
  return env;
}

export async function writeExampleRun(args: { epochs: number; seed: number }): Promise<ExampleRun> {
  if (!existsSync(SCRIPT))
    await run(process.execPath, [TSC_BIN, '-p', join(EXAMPLES_DIR, 'tsconfig.json')], { timeout: 120_000 });
  const root = mkdtempSync(join(tmpdir(), 'kobo-ui-example-'));
  const cleanup = () => rmSync(root, { recursive: true, force: true });
  try {
    const { stdout } = await run(
      process.execPath,
      [SCRIPT, '--epochs', String(args.epochs), '--seed', String(args.seed)],
      { cwd: root, timeout: 120_000, env: withoutDataDirVariable() },
    );
    const dataDir = join(root, 'kohakuboard');
    const project = 'shapes';
    // The run folder is `<run_id>_<annotation>`.
    const [folder] = readdirSync(join(dataDir, project));
    return { dataDir, project, runId: folder.split('_')[0], stdout, cleanup };
  } catch (err) {
    cleanup();
    throw err;
  }
}
