/**
 * Passwords as argon2id PHC strings (docs/server.md#authentication): m = 64 MiB, t = 3, p = 1, 16-byte
 * salt, 32-byte hash, computed off the event loop by @node-rs/argon2, at most 4 at once per process.
 * Unknown names are checked against a dummy hash so that they cost the same as a wrong password.
 */
import { randomBytes } from 'node:crypto';
import { type Algorithm, hash, parseOptions, verify } from '@node-rs/argon2';

const ARGON2ID = 2 as Algorithm;
export const ARGON2_PARAMS = { memoryCost: 65536, timeCost: 3, parallelism: 1, outputLen: 32 } as const;
const MAX_CONCURRENT = 4;

let running = 0;
const waiting: Array<() => void> = [];

async function limited<T>(fn: () => Promise<T>): Promise<T> {
  if (running >= MAX_CONCURRENT) await new Promise<void>((r) => waiting.push(r));
  running++;
  try {
    return await fn();
  } finally {
    running--;
    waiting.shift()?.();
  }
}

export function hashPassword(password: string): Promise<string> {
  return limited(() => hash(password, { algorithm: ARGON2ID, ...ARGON2_PARAMS, salt: randomBytes(16) }));
}

let dummy: Promise<string> | null = null;

/** Verifies a password; with no stored hash, verifies against a dummy one (same cost) and fails. */
export async function verifyPassword(stored: string | null, password: string): Promise<boolean> {
  if (stored === null) {
    dummy ??= hashPassword(randomBytes(16).toString('hex'));
    const d = await dummy;
    await limited(() => verify(d, password).catch(() => false));
    return false;
  }
  return limited(() => verify(stored, password).catch(() => false));
}

/** Whether a stored hash was made with other parameters (rehashed at the next login). */
export function needsRehash(stored: string): boolean {
  try {
    const o = parseOptions(stored);
    return (
      o.algorithm !== ARGON2ID ||
      o.memoryCost !== ARGON2_PARAMS.memoryCost ||
      o.timeCost !== ARGON2_PARAMS.timeCost ||
      o.parallelism !== ARGON2_PARAMS.parallelism
    );
  } catch {
    return true;
  }
}
