/**
 * The maintenance subcommands: migrate, create-user, set-password, create-invite and db-copy. They need the
 * database flags (--data-dir, --db) but no session secret.
 */
import type { Command } from 'commander';
import { checkPassword, checkUsername } from '../auth/names.js';
import { hashPassword } from '../auth/passwords.js';
import { parseDbUrl } from '../config/resolve.js';
import { createUser, NameTakenError, userByName } from '../db/accounts.js';
import { copyDatabase } from '../db/copy.js';
import { createOneTimeToken, endSessions } from '../db/credentials.js';
import { type Database, migrate, openDatabase } from '../db/database.js';
import { ServerError, UsageError } from '../errors.js';
import { ensureDroppedOwnerSetting } from '../serve/bootstrap.js';
import { addSettingFlags, configFrom } from './main.js';
import { readPassword } from './password-input.js';

async function withDatabase<T>(
  cmd: Command,
  fn: (db: Database, baseUrl: string) => Promise<T>,
): Promise<T | undefined> {
  const { config, printed } = configFrom(cmd, false);
  if (printed) return undefined;
  const db = openDatabase(config.db, { poolSize: 2 });
  try {
    await migrate(db);
    return await fn(db, config.baseUrl);
  } finally {
    await db.close();
  }
}

export function registerAdminCommands(program: Command): void {
  const migrateCmd = addSettingFlags(
    program.command('migrate').description('bring the database schema up to date'),
  );
  migrateCmd.action(async () => {
    await withDatabase(migrateCmd, async () => {
      process.stdout.write('database schema is up to date\n');
    });
  });

  const createUserCmd = addSettingFlags(
    program
      .command('create-user <name>')
      .description(
        'create an account (the password is read from a prompt or stdin, never from the command line)',
      )
      .option('--admin', 'make it a site admin')
      .option('--email <email>', 'its email address')
      .option('--password-stdin', 'read the password from stdin'),
  );
  createUserCmd.action(async (name: string) => {
    const o = createUserCmd.opts() as { admin?: boolean; email?: string; passwordStdin?: boolean };
    await withDatabase(createUserCmd, async (db) => {
      const username = wrap(() => checkUsername(name));
      const password = wrap(() => checkPassword(readPassword(o.passwordStdin === true), username));
      try {
        await createUser(db, {
          username,
          email: o.email ?? null,
          passwordHash: await hashPassword(password),
          isAdmin: o.admin === true,
          emailVerified: true,
        });
      } catch (err) {
        if (err instanceof NameTakenError) throw new ServerError('name_taken', `the ${err.field} is taken`);
        throw err;
      }
      if (o.admin) await ensureDroppedOwnerSetting(db, username);
      process.stdout.write(`created ${o.admin ? 'admin ' : ''}${username}\n`);
    });
  });

  const setPasswordCmd = addSettingFlags(
    program
      .command('set-password <name>')
      .description("set an account's password and end its sessions")
      .option('--password-stdin', 'read the password from stdin'),
  );
  setPasswordCmd.action(async (name: string) => {
    const o = setPasswordCmd.opts() as { passwordStdin?: boolean };
    await withDatabase(setPasswordCmd, async (db) => {
      const user = await userByName(db, name);
      if (!user) throw new ServerError('not_found', `no user named ${name}`);
      const password = wrap(() => checkPassword(readPassword(o.passwordStdin === true), user.username));
      await db.k
        .updateTable('users')
        .set({ password_hash: await hashPassword(password) })
        .where('owner_id', '=', user.id)
        .execute();
      await endSessions(db, user.id);
      process.stdout.write(`password of ${name} set; its sessions ended\n`);
    });
  });

  const inviteCmd = addSettingFlags(
    program
      .command('create-invite')
      .description('print a link that lets one person register')
      .option('--admin', 'the account becomes a site admin')
      .option('--expires-hours <h>', 'hours the link is valid', '72'),
  );
  inviteCmd.action(async () => {
    const o = inviteCmd.opts() as { admin?: boolean; expiresHours: string };
    const hours = Number(o.expiresHours);
    if (!Number.isFinite(hours) || hours <= 0)
      throw new UsageError('invalid_option', '--expires-hours: expected a number > 0');
    await withDatabase(inviteCmd, async (db, baseUrl) => {
      const t = await createOneTimeToken(db, {
        purpose: 'operator_invite',
        isAdmin: o.admin === true,
        expiresMs: Date.now() + hours * 3_600_000,
      });
      process.stdout.write(`${baseUrl}/register?invite=${t.token}\n`);
    });
  });

  const copyCmd = program
    .command('db-copy')
    .description('copy every table from one database to an empty one (stop the server first)')
    .requiredOption('--from <url>', 'source database URL')
    .requiredOption('--to <url>', 'target database URL (empty; migrated first)');
  copyCmd.action(async () => {
    const o = copyCmd.opts() as { from: string; to: string };
    const from = openDatabase(parseDbUrl(o.from), { poolSize: 2 });
    const to = openDatabase(parseDbUrl(o.to), { poolSize: 2 });
    try {
      const counts = await copyDatabase(from, to);
      for (const [table, n] of counts) process.stdout.write(`${table}: ${n}\n`);
    } finally {
      await from.close();
      await to.close();
    }
  });
}

function wrap<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    const e = err as { code?: string; message: string };
    throw new ServerError(e.code ?? 'invalid', e.message);
  }
}
