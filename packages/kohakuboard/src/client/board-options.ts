/**
 * The options of `new Board(…)` (docs/client.md#options): validated before anything touches the disk; misuse
 * throws a TypeError that names the option. The five sync options are accepted for code written against the
 * Python client, but remote sync is not part of this version: they are not yet active.
 */
import { isAbsolute, resolve } from 'node:path';
import { normalizeSuppliedRunId, sanitizeAnnotation, sanitizeProject } from '../storage/index.js';
import { configSnapshot } from './config-snapshot.js';
import { describeValue, optionError } from './errors.js';

export interface BoardOptions {
  /** Display name (default: a friendly random name such as "Aback Zucchini"). */
  name?: string;
  /** The run id: 4–32 ASCII letters and digits (default: 8 random characters). Runs are never resumed. */
  runId?: string;
  /** Alias of runId, for code ported from Python (`board_id`). */
  boardId?: string;
  /** Written to metadata.json; saved again at finish(), so changes made during training are kept. */
  config?: Record<string, unknown>;
  /** Project folder name (default "default"). */
  project?: string;
  /** Root directory (default: $KOHAKU_BOARD_DATA_DIR, else ./kohakuboard). */
  baseDir?: string;
  /** Copy stdout and stderr into logs/output.log (default true). */
  captureOutput?: boolean;
  /** Keep everything in memory; nothing is written to disk (default false). */
  memoryMode?: boolean;
  /** A note that becomes the folder suffix `_<annotation>`. */
  annotation?: string;
  /**
   * Maximum logging messages in flight before log() waits for the writer (default 50,000). A warning comes at
   * 80 %; while log() waits, one warning says so when the wait starts and again every 10 s, and one line when
   * the queue is below half full again. Scalar-only calls travel in a shared ring of 1–32 MiB sized from this
   * number (room for that many calls of ten values): calls with many more values may wait for ring space
   * before the message limit is reached. Data is dropped only when the writer has died or made no progress
   * for 60 s.
   */
  queueCapacity?: number;
  /** Maximum payload bytes in flight (default 1 GiB). */
  queueMaxBytes?: number;
  /**
   * Longest time logged data waits before it is committed (default 1000 ms, less with a short live-sync
   * interval: docs/sync.md#log-to-readable-latency) while the writer keeps up. Data
   * that arrives while the writer is still committing earlier data is due this long after that commit ends,
   * and a writer that has fallen behind commits in larger batches (up to 100,000 calls), so that it catches
   * up instead of committing in the smallest steps.
   */
  flushIntervalMs?: number;
  /**
   * Finish the run on SIGINT/SIGTERM (default true); the process then exits with 130/143 if no other
   * listener handles the signal. A second signal while finishing exits at once with 128 + its own number.
   */
  handleSignals?: boolean;
  /**
   * Sample CPU, memory, disk, network and (where `nvidia-smi` answers) GPU figures from the writer thread and
   * log them as `system/…` metrics, and describe the machine in metadata.json (default true;
   * docs/client.md#system-metrics).
   */
  systemMetrics?: boolean;
  /** Milliseconds between system-metric samples (default 10,000; at least 100). */
  systemMetricsIntervalMs?: number;
  /** Remote sync: not yet active (accepted and ignored, with a warning when syncEnabled is true). */
  remoteUrl?: string;
  /** Remote sync: not yet active. */
  remoteToken?: string;
  /** Remote sync: not yet active. */
  remoteProject?: string;
  /** Remote sync: not yet active. */
  syncEnabled?: boolean;
  /** Remote sync: not yet active. Seconds between syncs (default 10). */
  syncInterval?: number;
}

export interface ResolvedBoardOptions {
  name: string | null;
  runId: string | null;
  config: Record<string, unknown>;
  /** The config as a plain JSON value, serialised at construction. */
  configSnapshot: unknown;
  project: string;
  baseDir: string;
  captureOutput: boolean;
  memoryMode: boolean;
  annotation: string | null;
  queueCapacity: number;
  queueMaxBytes: number;
  flushIntervalMs: number;
  handleSignals: boolean;
  systemMetrics: boolean;
  systemMetricsIntervalMs: number;
  sync: {
    remoteUrl: string | null;
    remoteToken: string | null;
    remoteProject: string;
    syncEnabled: boolean;
    syncInterval: number;
  };
  /** Warnings to log once the board's log exists. */
  warnings: string[];
}

/** How long logged data waits for its commit by default. */
export const DEFAULT_FLUSH_INTERVAL_MS = 1000;
/** The shortest commit interval that live sync asks for: more commits would cost the writer more than they save. */
const MIN_SYNC_FLUSH_INTERVAL_MS = 20;

/**
 * The default commit interval: 1 s, or a quarter of the live-sync interval when that is shorter, because
 * live sync sends only what the writer has committed (docs/sync.md#log-to-readable-latency).
 */
export function defaultFlushIntervalMs(liveSyncIntervalS: number | null): number {
  if (liveSyncIntervalS === null) return DEFAULT_FLUSH_INTERVAL_MS;
  const quarter = (liveSyncIntervalS * 1000) / 4;
  return Math.min(DEFAULT_FLUSH_INTERVAL_MS, Math.max(MIN_SYNC_FLUSH_INTERVAL_MS, quarter));
}

/** The shortest interval between system-metric samples. */
export const MIN_SYSTEM_INTERVAL_MS = 100;

const KNOWN = new Set([
  'name',
  'runId',
  'boardId',
  'config',
  'project',
  'baseDir',
  'captureOutput',
  'remoteUrl',
  'remoteToken',
  'remoteProject',
  'syncEnabled',
  'syncInterval',
  'memoryMode',
  'annotation',
  'queueCapacity',
  'queueMaxBytes',
  'flushIntervalMs',
  'handleSignals',
  'systemMetrics',
  'systemMetricsIntervalMs',
]);

const PYTHON_NAMES: Record<string, string> = {
  board_id: 'runId',
  base_dir: 'baseDir',
  capture_output: 'captureOutput',
  remote_url: 'remoteUrl',
  remote_token: 'remoteToken',
  remote_project: 'remoteProject',
  sync_enabled: 'syncEnabled',
  sync_interval: 'syncInterval',
  memory_mode: 'memoryMode',
  system_metrics: 'systemMetrics',
};

export function resolveBoardOptions(
  input: unknown,
  env: NodeJS.ProcessEnv = process.env,
  cwd: string = process.cwd(),
): ResolvedBoardOptions {
  if (input === undefined || input === null) input = {};
  if (typeof input !== 'object' || Array.isArray(input)) {
    throw new TypeError(`Board options must be an object, got ${describeValue(input)}`);
  }
  const o = input as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (!KNOWN.has(key)) {
      const hint = PYTHON_NAMES[key] ? ` (did you mean "${PYTHON_NAMES[key]}"?)` : '';
      throw new TypeError(`Unknown Board option "${key}"${hint}`);
    }
  }
  const str = (key: string, nonEmpty = false): string | undefined => {
    const v = o[key];
    if (v === undefined) return undefined;
    if (typeof v !== 'string') throw optionError(key, `must be a string, got ${describeValue(v)}`);
    if (nonEmpty && v.trim() === '') throw optionError(key, 'must not be empty');
    return v;
  };
  const bool = (key: string, fallback: boolean): boolean => {
    const v = o[key];
    if (v === undefined) return fallback;
    if (typeof v !== 'boolean') throw optionError(key, `must be true or false, got ${describeValue(v)}`);
    return v;
  };
  const positive = (key: string, fallback: number, integer: boolean): number => {
    const v = o[key];
    if (v === undefined) return fallback;
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0 || (integer && !Number.isSafeInteger(v))) {
      throw optionError(key, `must be a positive ${integer ? 'integer' : 'number'}, got ${describeValue(v)}`);
    }
    return v;
  };

  const atLeast = (key: string, fallback: number, min: number): number => {
    const v = o[key];
    if (v === undefined) return fallback;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min) {
      throw optionError(key, `must be a number of milliseconds of at least ${min}, got ${describeValue(v)}`);
    }
    return v;
  };

  const name = str('name', true) ?? null;
  const runIdText = str('runId');
  const boardIdText = str('boardId');
  if (runIdText !== undefined && boardIdText !== undefined && runIdText.trim() !== boardIdText.trim()) {
    throw new TypeError(
      `Board options "runId" and "boardId" are aliases but differ ("${runIdText}" and "${boardIdText}")`,
    );
  }
  const idOption = runIdText !== undefined ? 'runId' : 'boardId';
  const idText = runIdText ?? boardIdText;
  let runId: string | null = null;
  if (idText !== undefined) {
    runId = normalizeSuppliedRunId(idText);
    if (runId === null)
      throw optionError(idOption, `must be 4 to 32 ASCII letters and digits, got ${describeValue(idText)}`);
  }

  const configValue = o.config ?? {};
  if (configValue === null || typeof configValue !== 'object' || Array.isArray(configValue)) {
    throw optionError('config', `must be an object, got ${describeValue(configValue)}`);
  }
  let snapshot: unknown;
  try {
    snapshot = configSnapshot(configValue);
  } catch (err) {
    throw optionError('config', `cannot be serialised: ${(err as Error).message.replace(/^\$/, 'config')}`);
  }

  const projectText = str('project');
  const project = sanitizeProject(projectText ?? null);
  const annotationText = str('annotation');
  const annotation = sanitizeAnnotation(annotationText ?? null);

  const baseDirText = str('baseDir', true);
  const envDir = env.KOHAKU_BOARD_DATA_DIR;
  const base = baseDirText ?? (envDir !== undefined && envDir !== '' ? envDir : 'kohakuboard');
  const baseDir = isAbsolute(base) ? resolve(base) : resolve(cwd, base);

  const syncEnabled = bool('syncEnabled', false);
  let remoteUrl = str('remoteUrl') ?? null;
  if (remoteUrl !== null) remoteUrl = remoteUrl.replace(/\/+$/, '');
  const remoteToken = str('remoteToken') ?? null;
  const remoteProject = str('remoteProject') ?? project;
  const syncInterval = positive('syncInterval', 10, false);
  const warnings: string[] = [];
  let liveSync = false;
  if (syncEnabled) {
    if (!remoteUrl || !remoteToken) {
      warnings.push('syncEnabled is true but remoteUrl or remoteToken is missing; remote sync stays off.');
      // Memory mode commits at each hand-over to the sync (docs/sync.md#memory-mode-with-sync).
    } else if (!bool('memoryMode', false)) liveSync = true;
  }
  if (annotationText !== undefined && annotation === null) {
    warnings.push(`The annotation "${annotationText}" has no usable characters; the run has no annotation.`);
  }

  return {
    name,
    runId,
    config: configValue as Record<string, unknown>,
    configSnapshot: snapshot,
    project,
    baseDir,
    captureOutput: bool('captureOutput', true),
    memoryMode: bool('memoryMode', false),
    annotation,
    queueCapacity: positive('queueCapacity', 50_000, true),
    queueMaxBytes: positive('queueMaxBytes', 1024 * 1024 * 1024, true),
    flushIntervalMs: positive(
      'flushIntervalMs',
      defaultFlushIntervalMs(liveSync ? syncInterval : null),
      false,
    ),
    handleSignals: bool('handleSignals', true),
    systemMetrics: bool('systemMetrics', true),
    systemMetricsIntervalMs: atLeast('systemMetricsIntervalMs', 10_000, MIN_SYSTEM_INTERVAL_MS),
    sync: { remoteUrl, remoteToken, remoteProject, syncEnabled, syncInterval },
    warnings,
  };
}
