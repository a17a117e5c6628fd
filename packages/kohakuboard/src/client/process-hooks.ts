/**
 * Process hooks and signals, installed once per process and shared by every board
 * (docs/client.md#process-exit, docs/client.md#signals):
 *
 * - `beforeExit` (the script ended): finish every unfinished board; the process waits for them.
 * - `exit` (process.exit(), an uncaught exception, or the end): remove our signal listeners, then for every
 *   unfinished board post finish and block with Atomics.wait until its writer has closed.
 * - `uncaughtExceptionMonitor`: remember the crash and write the error to every board.log.
 * - SIGINT / SIGTERM: the first finishes every board with status "interrupted", then exits with 128 + signal
 *   number if our listener is the only one; a second signal while finishing exits at once.
 */
import { constants } from 'node:os';
import { isMainThread } from 'node:worker_threads';

export type EndStatus = 'finished' | 'interrupted' | 'crashed';

export interface HookedBoard {
  readonly handlesSignals: boolean;
  isFinishing(): boolean;
  isFinished(): boolean;
  /** Starts finish() with the given status (beforeExit, signals). */
  finishWithStatus(status: EndStatus, reason?: string): Promise<void>;
  /** Drains synchronously (the exit hook). */
  finishBlocking(status: EndStatus): void;
  /** Writes the error to board.log. */
  recordCrash(err: unknown, origin: string): void;
  /** Second signal: records a crash in metadata.json at once; returns the number of messages lost. */
  forceCrashed(reason: string): number;
  warn(message: string): void;
  error(message: string): void;
}

const boards = new Set<HookedBoard>();
let installed = false;
let signalsInstalled = false;
let crashSeen = false;
let finishingBySignal = false;
let skipExitDrain = false;

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;
type HandledSignal = (typeof SIGNALS)[number];

export function registerBoard(board: HookedBoard): void {
  boards.add(board);
  if (!installed) {
    installed = true;
    process.on('beforeExit', onBeforeExit);
    process.on('exit', onExit);
    process.on('uncaughtExceptionMonitor', onUncaught);
  }
  // Signals reach only the main thread; a board created in a worker thread relies on the exit hook.
  if (board.handlesSignals && !signalsInstalled && isMainThread) {
    signalsInstalled = true;
    for (const s of SIGNALS) process.on(s, onSignal);
  }
}

export function unregisterBoard(board: HookedBoard): void {
  boards.delete(board);
  // With no board left to finish, Ctrl+C and SIGTERM take their default action again.
  if (![...boards].some((b) => b.handlesSignals) && !finishingBySignal) removeSignalListeners();
}

function unfinished(): HookedBoard[] {
  return [...boards].filter((b) => !b.isFinished());
}

function onBeforeExit(): void {
  const code = process.exitCode;
  const status: EndStatus =
    (code === undefined || code === 0 || code === '0') && !crashSeen ? 'finished' : 'crashed';
  for (const b of unfinished()) if (!b.isFinishing()) void b.finishWithStatus(status).catch(() => {});
}

function onExit(code: number): void {
  removeSignalListeners();
  if (skipExitDrain) return;
  const status: EndStatus = code === 0 && !crashSeen ? 'finished' : 'crashed';
  for (const b of unfinished()) b.finishBlocking(status);
}

function onUncaught(err: unknown, origin: string): void {
  crashSeen = true;
  for (const b of unfinished()) b.recordCrash(err, origin);
}

function removeSignalListeners(): void {
  if (!signalsInstalled) return;
  for (const s of SIGNALS) process.removeListener(s, onSignal);
  signalsInstalled = false;
}

function onSignal(signal: HandledSignal): void {
  const code = 128 + constants.signals[signal];
  const targets = unfinished().filter((b) => b.handlesSignals);
  if (finishingBySignal) {
    let lost = 0;
    for (const b of targets) lost += b.forceCrashed(`second signal (${signal})`);
    for (const b of targets)
      b.error(`Second signal: exiting now; ${lost} logged messages not yet written are lost.`);
    skipExitDrain = true;
    process.exit(code);
  }
  finishingBySignal = true;
  const again = signal === 'SIGINT' ? 'press Ctrl+C again' : 'send SIGTERM again';
  for (const b of targets) b.warn(`Received ${signal}, finishing (${again} to force exit)`);
  Promise.allSettled(targets.map((b) => b.finishWithStatus('interrupted', `interrupted by ${signal}`))).then(
    () => {
      finishingBySignal = false;
      // Exit only when nobody else listens for this signal; otherwise the application decides.
      if (process.listenerCount(signal) === 1 && process.listeners(signal)[0] === onSignal)
        process.exit(code);
      if (![...boards].some((b) => b.handlesSignals)) removeSignalListeners();
    },
  );
}
