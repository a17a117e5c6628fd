/**
 * The machine description that goes into metadata.json under `machine` (docs/client.md#machine-description,
 * docs/format.md#extra-metadata-keys). It is gathered on the writer thread, so that the child processes it
 * runs (git, and nvidia-smi once for the GPU names) never hold up the training thread; each has a time limit.
 */
import { execFile, spawnSync } from 'node:child_process';
import { arch, cpus, hostname, type as osType, platform, release, totalmem } from 'node:os';

/** How long one child process of the description may take before it is given up. */
const CHILD_TIMEOUT_MS = 5000;

export interface GpuDescription {
  index: number;
  name: string;
  memory_total_mib: number | null;
  driver_version: string;
}

export interface MachineDescription {
  hostname: string;
  os: { platform: string; type: string; release: string; arch: string };
  cpu: { model: string; count: number };
  memory_total_bytes: number;
  gpus: GpuDescription[];
  node_version: string;
  command_line: string[];
  cwd: string;
  /** The working directory's repository, or null when it is not one (or git is missing). */
  git: { commit: string; dirty: boolean } | null;
}

export interface GpuListResult {
  gpus: GpuDescription[];
  /** Why nvidia-smi gave no list (not installed, failed), or null when it answered. */
  problem: string | null;
}

/** Runs a command with a time limit; its stdout, or an explanation of why it failed. */
function run(command: string, args: string[], cwd?: string): { out: string } | { problem: string } {
  const r = spawnSync(command, args, {
    cwd,
    encoding: 'utf8',
    timeout: CHILD_TIMEOUT_MS,
    windowsHide: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (r.error) {
    const code = (r.error as NodeJS.ErrnoException).code;
    return { problem: `could not be run (${code ?? r.error.message})` };
  }
  if (r.status !== 0) {
    const said = (r.stderr || r.stdout || '').trim().split('\n')[0] ?? '';
    const how = r.signal ? `signal ${r.signal}` : `code ${r.status}`;
    return { problem: `exited with ${how}${said ? `: ${said}` : ''}` };
  }
  return { out: r.stdout };
}

/** The GPUs nvidia-smi lists (one call); its failure is what tells the writer to leave GPU metrics off. */
export function listGpus(command = 'nvidia-smi'): GpuListResult {
  const r = run(command, [
    '--query-gpu=index,name,memory.total,driver_version',
    '--format=csv,noheader,nounits',
  ]);
  if ('problem' in r) return { gpus: [], problem: `${command} ${r.problem}` };
  const gpus: GpuDescription[] = [];
  for (const line of r.out.split('\n')) {
    const f = line.split(',').map((s) => s.trim());
    if (f.length < 4 || !/^\d+$/.test(f[0])) continue;
    const memory = Number(f[2]);
    gpus.push({
      index: Number(f[0]),
      name: f[1],
      memory_total_mib: /^\d+(\.\d+)?$/.test(f[2]) ? memory : null,
      driver_version: f[3],
    });
  }
  return { gpus, problem: null };
}

/** Runs git without waiting for it: `git status` can take a while in a large repository. */
function gitOutput(args: string[], cwd: string): Promise<string | null> {
  return new Promise((resolve) => {
    execFile('git', args, { cwd, timeout: CHILD_TIMEOUT_MS, windowsHide: true }, (err, stdout) =>
      resolve(err ? null : stdout),
    );
  });
}

/** The commit and dirty state of the repository at `cwd` (tracked files only), or null. */
export async function gitState(cwd: string): Promise<MachineDescription['git']> {
  const head = await gitOutput(['rev-parse', 'HEAD'], cwd);
  if (head === null) return null;
  const status = await gitOutput(['status', '--porcelain', '--untracked-files=no'], cwd);
  if (status === null) return null;
  return { commit: head.trim(), dirty: status.trim() !== '' };
}

/** Everything but `git`, which gitState adds when it has answered. */
export function describeMachine(
  commandLine: string[],
  cwd: string,
  gpus: GpuDescription[],
): MachineDescription {
  const list = cpus();
  return {
    hostname: hostname(),
    os: { platform: platform(), type: osType(), release: release(), arch: arch() },
    cpu: { model: list[0]?.model.trim() ?? 'unknown', count: list.length },
    memory_total_bytes: totalmem(),
    gpus,
    node_version: process.version,
    command_line: commandLine,
    cwd,
    git: null,
  };
}
