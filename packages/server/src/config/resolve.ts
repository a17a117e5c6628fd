/**
 * From flags and environment to one immutable configuration (docs/server.md#command-line): a value
 * comes from the flag given on the command line, else from its variable, else from the default. The
 * environment is only read, never written. Refused combinations are UsageErrors (exit 2, one line).
 */
import { readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { UsageError } from '../errors.js';
import { SETTINGS, type SettingDef } from './settings.js';

export type Source = 'flag' | 'env' | 'default';

export interface RawValue {
  value: string | undefined;
  source: Source;
  /** The variable the value came from (source env). */
  variable?: string;
}

export type RawConfig = ReadonlyMap<string, RawValue>;

export type Visibility = 'public' | 'private';
export type Registration = 'open' | 'invite' | 'closed';
export type DbBackend = 'sqlite' | 'postgres';

export interface DbTarget {
  backend: DbBackend;
  /** The URL as given (passed to the driver unchanged). */
  url: string;
  /** SQLite: the database file. */
  sqlitePath: string | null;
}

export interface ServerConfig {
  dataDir: string;
  db: DbTarget;
  dbPoolSize: number;
  host: string;
  port: number;
  workers: number;
  sessionSecret: string | null;
  noAuth: boolean;
  baseUrl: string;
  trustProxy: boolean | number | string;
  tls: { cert: string; key: string } | null;
  registration: Registration;
  noAnonymous: boolean;
  defaultVisibility: Visibility;
  droppedVisibility: Visibility;
  droppedOwner: string | null;
  scanIntervalS: number;
  sharedDataDir: boolean;
  corsOrigins: string[];
  uiDir: string | null;
  staleAfterS: number;
  eventIntervalS: number;
  cacheMb: number;
  logLevel: string;
  limits: {
    syncBodyMb: number;
    itemMb: number;
    mediaFileMb: number;
    mediaRequestMb: number;
    logFileMb: number;
  };
  ingestRate: number;
  sessionIdleHours: number;
  tokenExpireDays: number;
  requireEmailVerification: boolean;
}

/** What the command line gave: each flag's value when it was given on the command line. */
export type FlagValues = ReadonlyMap<string, string | boolean>;

/** Values with their sources, before parsing. */
export function collectRaw(flags: FlagValues, environment: NodeJS.ProcessEnv = process.env): RawConfig {
  const out = new Map<string, RawValue>();
  const plain = new Map<string, string | undefined>();
  for (const def of SETTINGS) {
    let raw: RawValue | null = null;
    const flag = flags.get(def.key);
    if (flag !== undefined) raw = { value: typeof flag === 'boolean' ? String(flag) : flag, source: 'flag' };
    if (!raw) {
      for (const name of def.envs) {
        const v = environment[name];
        if (v !== undefined && v !== '') {
          raw = { value: v, source: 'env', variable: name };
          break;
        }
      }
    }
    if (!raw) {
      const d = typeof def.defaultValue === 'function' ? def.defaultValue(plain) : def.defaultValue;
      raw = { value: d, source: 'default' };
    }
    out.set(def.key, raw);
    plain.set(def.key, raw.value);
  }
  return out;
}

/** Flags that replaced a set variable (logged at INFO, names only). */
/** Variables of the Python server that this one ignores, with a warning. */
export function ignoredVariables(environment: NodeJS.ProcessEnv = process.env): string[] {
  return ['KOHAKU_BOARD_API_BASE'].filter((name) => environment[name] !== undefined);
}

export function overriddenVariables(raw: RawConfig, environment: NodeJS.ProcessEnv = process.env): string[] {
  const out: string[] = [];
  for (const def of SETTINGS) {
    if (raw.get(def.key)?.source !== 'flag') continue;
    const set = def.envs.find((e) => environment[e] !== undefined && environment[e] !== '');
    if (set) out.push(`--${def.key} over ${set}`);
  }
  return out;
}

const usage = (option: string, message: string) =>
  new UsageError('invalid_option', `--${option}: ${message}`);

function bool(def: SettingDef, v: string | undefined): boolean {
  if (v === undefined) return false;
  const t = v.trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(t)) return true;
  if (['false', '0', 'no', 'off', ''].includes(t)) return false;
  throw usage(def.key, `expected true or false, got "${v}"`);
}

function num(key: string, v: string | undefined, opts: { min?: number; integer?: boolean } = {}): number {
  const n = Number(v);
  if (v === undefined || v.trim() === '' || !Number.isFinite(n))
    throw usage(key, `expected a number, got "${v ?? ''}"`);
  if (opts.integer && !Number.isInteger(n)) throw usage(key, `expected a whole number, got "${v}"`);
  if (opts.min !== undefined && n < opts.min) throw usage(key, `must be at least ${opts.min}`);
  return n;
}

function oneOf<T extends string>(key: string, v: string | undefined, allowed: readonly T[]): T {
  if (v !== undefined && (allowed as readonly string[]).includes(v)) return v as T;
  throw usage(key, `must be one of ${allowed.join(', ')}, got "${v ?? ''}"`);
}

/** The backend and file of a database URL; the scheme picks the backend. */
export function parseDbUrl(url: string, cwd = process.cwd()): DbTarget {
  if (/^postgres(ql)?:\/\//i.test(url)) return { backend: 'postgres', url, sqlitePath: null };
  const m = /^sqlite:\/\/\/(.+)$/i.exec(url);
  if (m) {
    // sqlite:///rel.db is relative to the working directory; sqlite:////abs.db is absolute.
    const path = m[1];
    return { backend: 'sqlite', url, sqlitePath: isAbsolute(path) ? path : resolve(cwd, path) };
  }
  throw usage('db', 'expected sqlite:///<file> or postgres://…');
}

export const LOOPBACK_HOSTS = new Set(['127.0.0.1', '::1', 'localhost']);
const PYTHON_DEFAULT_SECRET = 'change-me-in-production';
export const MIN_SECRET_LENGTH = 32;

function readSecret(raw: RawConfig): string | null {
  const file = raw.get('session-secret-file')?.value;
  if (file !== undefined) {
    try {
      return readFileSync(file, 'utf8').replace(/\r?\n$/, '');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'error';
      throw usage('session-secret-file', `cannot read ${file} (${code})`);
    }
  }
  return raw.get('session-secret')?.value ?? null;
}

function trustProxy(v: string | undefined): boolean | number | string {
  if (v === undefined || v === '' || v.toLowerCase() === 'false') return false;
  if (v.toLowerCase() === 'true') return true;
  if (/^\d+$/.test(v)) return Number(v);
  return v;
}

function workersOf(v: string | undefined, cpus: number): number {
  if (v === 'auto') return Math.max(1, cpus);
  return num('workers', v, { min: 1, integer: true });
}

export interface ResolveContext {
  cwd?: string;
  cpus?: number;
  /** Commands that do not serve (migrate, create-user, …) need no secret. */
  needsSecret?: boolean;
}

/** Parses and checks the raw values; throws a UsageError for anything refused (exit 2). */
export function buildConfig(raw: RawConfig, ctx: ResolveContext = {}): ServerConfig {
  const cwd = ctx.cwd ?? process.cwd();
  const v = (key: string) => raw.get(key)?.value;
  const def = (key: string) => SETTINGS.find((s) => s.key === key)!;
  const dataDir = resolve(cwd, v('data-dir') ?? './kohakuboard');
  const dbUrl = v('db') ?? `sqlite:///${join(dataDir, '.kobo', 'kohakuboard.db')}`;
  const db = parseDbUrl(dbUrl, cwd);
  const backend = v('db-backend');
  if (backend !== undefined && backend !== db.backend) {
    throw usage('db-backend', `"${backend}" does not match the scheme of --db (${db.backend})`);
  }
  const noAuth = bool(def('no-auth'), v('no-auth'));
  const host = v('host') ?? '127.0.0.1';
  if (noAuth && !LOOPBACK_HOSTS.has(host)) {
    throw usage('no-auth', `serves only on loopback (127.0.0.1, ::1 or localhost), not on ${host}`);
  }
  const sharedDataDir = bool(def('shared-data-dir'), v('shared-data-dir'));
  if (sharedDataDir && db.backend === 'sqlite')
    throw usage('shared-data-dir', 'needs PostgreSQL (--db postgres://…)');
  if (sharedDataDir && noAuth) throw usage('shared-data-dir', 'cannot be used with --no-auth');
  const certFile = v('tls-cert');
  const keyFile = v('tls-key');
  if ((certFile === undefined) !== (keyFile === undefined)) {
    throw usage(certFile === undefined ? 'tls-key' : 'tls-cert', 'needs --tls-cert and --tls-key together');
  }
  let sessionSecret: string | null = null;
  if (!noAuth && ctx.needsSecret !== false) {
    sessionSecret = readSecret(raw);
    if (sessionSecret === null) {
      throw usage(
        'session-secret',
        'a session secret is required: pass --session-secret-file FILE (or --no-auth for local development)',
      );
    }
    if (sessionSecret === PYTHON_DEFAULT_SECRET)
      throw usage('session-secret', 'the placeholder "change-me-in-production" is refused');
    if (sessionSecret.length < MIN_SECRET_LENGTH)
      throw usage('session-secret', `must be at least ${MIN_SECRET_LENGTH} characters`);
  }
  const requireEmailVerification = bool(def('require-email-verification'), v('require-email-verification'));
  if (requireEmailVerification) {
    // Verification mails need SMTP, which this release does not send yet.
    throw new UsageError(
      'invalid_option',
      'KOHAKU_BOARD_AUTH_REQUIRE_EMAIL_VERIFICATION=true needs SMTP, which this release does not support yet',
    );
  }
  const port = num('port', v('port'), { min: 0, integer: true });
  if (port > 65535) throw usage('port', 'must be at most 65535');
  const baseUrl = (v('base-url') ?? `http://localhost:${port}`).replace(/\/+$/, '');
  try {
    new URL(baseUrl);
  } catch {
    throw usage('base-url', `not a URL: "${baseUrl}"`);
  }
  const cors = v('cors-origin');
  const uiDir = v('ui-dir');
  return Object.freeze({
    dataDir,
    db,
    dbPoolSize: num('db-pool-size', v('db-pool-size'), { min: 1, integer: true }),
    host,
    port,
    workers: workersOf(v('workers'), ctx.cpus ?? 1),
    sessionSecret,
    noAuth,
    baseUrl,
    trustProxy: trustProxy(v('trust-proxy')),
    tls:
      certFile !== undefined && keyFile !== undefined
        ? { cert: resolve(cwd, certFile), key: resolve(cwd, keyFile) }
        : null,
    registration: oneOf('registration', v('registration'), ['open', 'invite', 'closed'] as const),
    noAnonymous: bool(def('no-anonymous'), v('no-anonymous')),
    defaultVisibility: oneOf('default-visibility', v('default-visibility'), ['public', 'private'] as const),
    droppedVisibility: oneOf('dropped-visibility', v('dropped-visibility'), ['public', 'private'] as const),
    droppedOwner: v('dropped-owner') ?? null,
    scanIntervalS: num('scan-interval', v('scan-interval'), { min: 0.05 }),
    sharedDataDir,
    corsOrigins: cors
      ? cors
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      : [],
    uiDir: uiDir === undefined ? null : resolve(cwd, uiDir),
    staleAfterS: num('stale-after', v('stale-after'), { min: 0 }),
    eventIntervalS: num('event-interval', v('event-interval'), { min: 0.05 }),
    cacheMb: num('cache-mb', v('cache-mb'), { min: 1 }),
    logLevel: oneOf('log-level', v('log-level'), [
      'fatal',
      'error',
      'warn',
      'info',
      'debug',
      'trace',
      'silent',
    ] as const),
    limits: {
      syncBodyMb: num('max-sync-body-mb', v('max-sync-body-mb'), { min: 1 }),
      itemMb: num('max-item-mb', v('max-item-mb'), { min: 1 }),
      mediaFileMb: num('max-media-file-mb', v('max-media-file-mb'), { min: 1 }),
      mediaRequestMb: num('max-media-request-mb', v('max-media-request-mb'), { min: 1 }),
      logFileMb: num('max-log-file-mb', v('max-log-file-mb'), { min: 1 }),
    },
    ingestRate: num('ingest-rate', v('ingest-rate'), { min: 0.1 }),
    sessionIdleHours: num('session-expire-hours', v('session-expire-hours'), { min: 1 }),
    tokenExpireDays: num('token-expire-days', v('token-expire-days'), { min: 0, integer: true }),
    requireEmailVerification,
  });
}
