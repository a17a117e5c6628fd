/**
 * Every setting of `kobo-serve`: its flag, the environment variables that may set it, its default and
 * whether it is a secret (docs/server.md#command-line). A flag `--some-name` is also
 * `KOHAKU_BOARD_SOME_NAME`; a few settings also read the Python server's variable names.
 */

export interface SettingDef {
  /** Key in the raw value map and in `--print-config`. */
  key: string;
  /** The flag (commander syntax), or null for settings read from the environment only. */
  flag: string | null;
  description: string;
  /** Variables read in this order when the flag is absent. */
  envs: string[];
  /** The default as text; a function sees the values resolved before it. */
  defaultValue?: string | ((resolved: ReadonlyMap<string, string | undefined>) => string | undefined);
  /** A flag without a value (`true` when given); its variable takes `true`/`false`. */
  boolean?: boolean;
  /** Shown as *** by --print-config. */
  secret?: boolean;
  /** A URL whose password is shown as *** by --print-config. */
  url?: boolean;
}

const env = (name: string) => `KOHAKU_BOARD_${name}`;

export const SETTINGS: SettingDef[] = [
  {
    key: 'data-dir',
    flag: '--data-dir <dir>',
    description: 'where the runs are',
    envs: [env('DATA_DIR')],
    defaultValue: './kohakuboard',
  },
  {
    key: 'db',
    flag: '--db <url>',
    description:
      'sqlite:///rel.db, sqlite:////abs.db or postgres://… (default: SQLite under <data-dir>/.kobo/)',
    envs: [env('DATABASE_URL'), env('DB')],
    url: true,
  },
  {
    key: 'db-backend',
    flag: '--db-backend <kind>',
    description: 'sqlite|postgres; must match the URL',
    envs: [env('DB_BACKEND')],
  },
  {
    key: 'db-pool-size',
    flag: '--db-pool-size <n>',
    description: 'PostgreSQL connections per process',
    envs: [env('DB_POOL_SIZE')],
    defaultValue: '10',
  },
  {
    key: 'host',
    flag: '--host <host>',
    description: 'address to listen on',
    envs: [env('HOST')],
    defaultValue: '127.0.0.1',
  },
  {
    key: 'port',
    flag: '--port <port>',
    description: 'port to listen on',
    envs: [env('PORT')],
    defaultValue: '48889',
  },
  {
    key: 'workers',
    flag: '--workers <n>',
    description: 'worker processes (a number or auto)',
    envs: [env('WORKERS')],
    defaultValue: '1',
  },
  {
    key: 'session-secret',
    flag: '--session-secret <secret>',
    description: 'at least 32 characters; prefer --session-secret-file',
    envs: [env('SESSION_SECRET'), env('AUTH_SESSION_SECRET')],
    secret: true,
  },
  {
    key: 'session-secret-file',
    flag: '--session-secret-file <file>',
    description: 'a file holding the session secret (stays out of ps)',
    envs: [env('SESSION_SECRET_FILE')],
  },
  {
    key: 'no-auth',
    flag: '--no-auth',
    description: 'development only: no login, loopback only',
    envs: [env('NO_AUTH')],
    boolean: true,
    defaultValue: 'false',
  },
  {
    key: 'base-url',
    flag: '--base-url <url>',
    description: 'public URL of the server (links, origin checks, Secure cookies)',
    envs: [env('BASE_URL')],
    defaultValue: (r) => `http://localhost:${r.get('port')}`,
  },
  {
    key: 'trust-proxy',
    flag: '--trust-proxy <value>',
    description: "Fastify's trustProxy: true, a hop count or addresses",
    envs: [env('TRUST_PROXY')],
  },
  {
    key: 'tls-cert',
    flag: '--tls-cert <file>',
    description: 'certificate (PEM) to serve HTTPS',
    envs: [env('TLS_CERT')],
  },
  {
    key: 'tls-key',
    flag: '--tls-key <file>',
    description: 'private key (PEM) to serve HTTPS',
    envs: [env('TLS_KEY')],
  },
  {
    key: 'registration',
    flag: '--registration <mode>',
    description: 'open|invite|closed',
    envs: [env('REGISTRATION')],
    defaultValue: () => {
      const legacy = process.env[env('AUTH_INVITATION_ONLY')];
      if (legacy === undefined) return 'invite';
      return legacy.toLowerCase() === 'false' ? 'open' : 'invite';
    },
  },
  {
    key: 'no-anonymous',
    flag: '--no-anonymous',
    description: 'anonymous requests get 401',
    envs: [env('NO_ANONYMOUS')],
    boolean: true,
    defaultValue: 'false',
  },
  {
    key: 'default-visibility',
    flag: '--default-visibility <v>',
    description: 'public|private for new projects',
    envs: [env('DEFAULT_VISIBILITY')],
    defaultValue: 'private',
  },
  {
    key: 'dropped-visibility',
    flag: '--dropped-visibility <v>',
    description: 'public|private for projects made for dropped runs',
    envs: [env('DROPPED_VISIBILITY')],
    defaultValue: 'private',
  },
  {
    key: 'dropped-owner',
    flag: '--dropped-owner <name>',
    description: 'owner of runs copied into the data dir (default: the first admin)',
    envs: [env('DROPPED_OWNER')],
  },
  {
    key: 'scan-interval',
    flag: '--scan-interval <s>',
    description: 'seconds between sweeps for dropped runs',
    envs: [env('SCAN_INTERVAL')],
    defaultValue: '30',
  },
  {
    key: 'shared-data-dir',
    flag: '--shared-data-dir',
    description: 'several instances share the data dir (PostgreSQL only)',
    envs: [env('SHARED_DATA_DIR')],
    boolean: true,
    defaultValue: 'false',
  },
  {
    key: 'cors-origin',
    flag: '--cors-origin <origins>',
    description: 'origins allowed with credentials (comma list)',
    envs: [env('CORS_ORIGIN'), env('CORS_ORIGINS')],
  },
  {
    key: 'ui-dir',
    flag: '--ui-dir <dir>',
    description: 'UI build to serve (default: the bundled one)',
    envs: [env('UI_DIR')],
  },
  {
    key: 'stale-after',
    flag: '--stale-after <s>',
    description: 'a running run without activity for this long is stale',
    envs: [env('STALE_AFTER')],
    defaultValue: '300',
  },
  {
    key: 'event-interval',
    flag: '--event-interval <s>',
    description: 'at most one run_data event per run per interval',
    envs: [env('EVENT_INTERVAL')],
    defaultValue: '1',
  },
  {
    key: 'cache-mb',
    flag: '--cache-mb <mb>',
    description: 'decoded series cache',
    envs: [env('CACHE_MB')],
    defaultValue: '256',
  },
  {
    key: 'log-level',
    flag: '--log-level <level>',
    description: 'fatal|error|warn|info|debug|trace|silent',
    envs: [env('LOG_LEVEL')],
    defaultValue: 'info',
  },
  {
    key: 'max-sync-body-mb',
    flag: '--max-sync-body-mb <mb>',
    description: 'upload /log body limit',
    envs: [env('MAX_SYNC_BODY_MB')],
    defaultValue: '256',
  },
  {
    key: 'max-item-mb',
    flag: '--max-item-mb <mb>',
    description: 'one decoded tensor, KDE or table',
    envs: [env('MAX_ITEM_MB')],
    defaultValue: '64',
  },
  {
    key: 'max-media-file-mb',
    flag: '--max-media-file-mb <mb>',
    description: 'one media blob',
    envs: [env('MAX_MEDIA_FILE_MB')],
    defaultValue: '256',
  },
  {
    key: 'max-media-request-mb',
    flag: '--max-media-request-mb <mb>',
    description: 'one /media request',
    envs: [env('MAX_MEDIA_REQUEST_MB')],
    defaultValue: '2048',
  },
  {
    key: 'max-log-file-mb',
    flag: '--max-log-file-mb <mb>',
    description: 'one log upload',
    envs: [env('MAX_LOG_FILE_MB')],
    defaultValue: '256',
  },
  {
    key: 'ingest-rate',
    flag: '--ingest-rate <r>',
    description: 'upload requests per second per token (burst 4R)',
    envs: [env('INGEST_RATE')],
    defaultValue: '50',
  },
  {
    key: 'session-expire-hours',
    flag: null,
    description: 'idle session life',
    envs: [env('AUTH_SESSION_EXPIRE_HOURS')],
    defaultValue: '168',
  },
  {
    key: 'token-expire-days',
    flag: null,
    description: 'default API token life (0: none)',
    envs: [env('AUTH_TOKEN_EXPIRE_DAYS')],
    defaultValue: '365',
  },
  {
    key: 'require-email-verification',
    flag: null,
    description: 'login needs a verified email (needs SMTP)',
    envs: [env('AUTH_REQUIRE_EMAIL_VERIFICATION')],
    boolean: true,
    defaultValue: 'false',
  },
];

/** commander's attribute name for a flag (`--data-dir` → `dataDir`; `--no-auth` → `auth`). */
export function attributeName(def: SettingDef): string | null {
  if (!def.flag) return null;
  const long = def.flag.split(' ')[0].replace(/^--/, '').replace(/^no-/, '');
  return long.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
}
