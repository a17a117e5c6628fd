/**
 * The first schema. Released migrations are never edited; a change is a new migration that keeps the
 * schema usable by the previous release (rolling upgrades).
 */
import { type ColumnDefinitionBuilder, type Kysely, sql } from 'kysely';
import type { DbBackend } from '../../config/resolve.js';

type Col = (c: ColumnDefinitionBuilder) => ColumnDefinitionBuilder;

export function init(backend: DbBackend) {
  // An integer key the database assigns, in increasing order.
  const idType = backend === 'postgres' ? 'bigint' : 'integer';
  const identity: Col =
    backend === 'postgres'
      ? (c) => c.primaryKey().generatedByDefaultAsIdentity()
      : (c) => c.primaryKey().autoIncrement();
  const notNull: Col = (c) => c.notNull();

  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('owners')
        .addColumn('id', idType, identity)
        .addColumn('kind', 'text', notNull)
        .addColumn('name', 'text', (c) => c.notNull().unique())
        .addColumn('name_key', 'text', (c) => c.notNull().unique())
        .addColumn('created_ms', 'bigint', notNull)
        .execute();
      await db.schema
        .createTable('users')
        .addColumn('owner_id', idType, (c) => c.primaryKey().references('owners.id').onDelete('cascade'))
        .addColumn('email', 'text')
        .addColumn('email_key', 'text', (c) => c.unique())
        .addColumn('email_verified_ms', 'bigint')
        .addColumn('password_hash', 'text')
        .addColumn('is_admin', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('is_active', 'integer', (c) => c.notNull().defaultTo(1))
        .addColumn('last_login_ms', 'bigint')
        .execute();
      await db.schema
        .createTable('organizations')
        .addColumn('owner_id', idType, (c) => c.primaryKey().references('owners.id').onDelete('cascade'))
        .addColumn('description', 'text')
        .execute();
      await db.schema
        .createTable('memberships')
        .addColumn('org_id', idType, (c) => c.notNull().references('owners.id').onDelete('cascade'))
        .addColumn('user_id', idType, (c) => c.notNull().references('owners.id').onDelete('cascade'))
        .addColumn('role', 'text', notNull)
        .addColumn('created_ms', 'bigint', notNull)
        .addPrimaryKeyConstraint('memberships_pk', ['org_id', 'user_id'])
        .execute();
      await db.schema.createIndex('memberships_user').on('memberships').column('user_id').execute();
      await db.schema
        .createTable('projects')
        .addColumn('id', idType, identity)
        .addColumn('owner_id', idType, (c) => c.notNull().references('owners.id').onDelete('restrict'))
        .addColumn('name', 'text', notNull)
        .addColumn('name_key', 'text', notNull)
        .addColumn('visibility', 'text', notNull)
        .addColumn('description', 'text')
        .addColumn('created_ms', 'bigint', notNull)
        .addUniqueConstraint('projects_owner_name', ['owner_id', 'name_key'])
        .execute();
      await db.schema
        .createTable('runs')
        .addColumn('id', idType, identity)
        .addColumn('project_id', idType, (c) => c.notNull().references('projects.id').onDelete('restrict'))
        .addColumn('run_id', 'text', notNull)
        .addColumn('run_id_key', 'text', notNull)
        .addColumn('folder', 'text', notNull)
        .addColumn('source', 'text', notNull)
        .addColumn('visibility', 'text', (c) => c.notNull().defaultTo('inherit'))
        .addColumn('created_by', idType, (c) => c.references('owners.id').onDelete('set null'))
        .addColumn('fingerprint', 'text')
        .addColumn('name', 'text', notNull)
        .addColumn('annotation', 'text')
        .addColumn('created_at', 'text')
        .addColumn('finished_at', 'text')
        .addColumn('status', 'text')
        .addColumn('last_activity_ms', 'bigint')
        .addColumn('last_step', 'bigint')
        .addColumn('first_ts_ms', 'bigint')
        .addColumn('last_ts_ms', 'bigint')
        .addColumn('has_global_step', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('config_json', 'text')
        .addColumn('log_hashes', 'text', (c) => c.notNull().defaultTo('{}'))
        .addColumn('pending_media', 'text', (c) => c.notNull().defaultTo('[]'))
        .addColumn('data_version', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('deleted_ms', 'bigint')
        .execute();
      await db.schema
        .createIndex('runs_project_run_id')
        .on('runs')
        .columns(['project_id', 'run_id_key'])
        .unique()
        .where(sql.ref('deleted_ms'), 'is', null)
        .execute();
      await db.schema
        .createIndex('runs_folder')
        .on('runs')
        .column('folder')
        .unique()
        .where(sql.ref('deleted_ms'), 'is', null)
        .execute();
      await db.schema
        .createTable('sessions')
        .addColumn('id_hash', 'text', (c) => c.primaryKey())
        .addColumn('user_id', idType, (c) => c.notNull().references('owners.id').onDelete('cascade'))
        .addColumn('created_ms', 'bigint', notNull)
        .addColumn('last_seen_ms', 'bigint', notNull)
        .addColumn('expires_ms', 'bigint', notNull)
        .addColumn('ip', 'text')
        .addColumn('user_agent', 'text')
        .execute();
      await db.schema.createIndex('sessions_user').on('sessions').column('user_id').execute();
      await db.schema
        .createTable('api_tokens')
        .addColumn('id', idType, identity)
        .addColumn('user_id', idType, (c) => c.notNull().references('owners.id').onDelete('cascade'))
        .addColumn('name', 'text', notNull)
        .addColumn('prefix', 'text', notNull)
        .addColumn('token_hash', 'text', (c) => c.notNull().unique())
        .addColumn('scopes', 'text', notNull)
        .addColumn('project_id', idType, (c) => c.references('projects.id').onDelete('cascade'))
        .addColumn('expires_ms', 'bigint')
        .addColumn('last_used_ms', 'bigint')
        .addColumn('created_ms', 'bigint', notNull)
        .addColumn('revoked_ms', 'bigint')
        .execute();
      await db.schema.createIndex('api_tokens_user').on('api_tokens').column('user_id').execute();
      await db.schema
        .createTable('one_time_tokens')
        .addColumn('id', idType, identity)
        .addColumn('purpose', 'text', notNull)
        .addColumn('token_hash', 'text', (c) => c.notNull().unique())
        .addColumn('user_id', idType, (c) => c.references('owners.id').onDelete('cascade'))
        .addColumn('email', 'text')
        .addColumn('is_admin', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_by', idType, (c) => c.references('owners.id').onDelete('set null'))
        .addColumn('expires_ms', 'bigint', notNull)
        .addColumn('used_ms', 'bigint')
        .execute();
      await db.schema
        .createTable('leases')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('holder', 'text')
        .addColumn('expires_ms', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('epoch', 'bigint', (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema
        .createTable('run_changes')
        .addColumn('seq', idType, identity)
        .addColumn('run_pk', idType, notNull)
        .addColumn('kind', 'text', notNull)
        .addColumn('summary', 'text', (c) => c.notNull().defaultTo('{}'))
        .addColumn('at_ms', 'bigint', notNull)
        .execute();
      await db.schema
        .createTable('rate_limits')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('window_start_ms', 'bigint', notNull)
        .addColumn('count', 'integer', notNull)
        .execute();
      await db.schema
        .createTable('audit_events')
        .addColumn('id', idType, identity)
        .addColumn('at_ms', 'bigint', notNull)
        .addColumn('actor_id', idType)
        .addColumn('action', 'text', notNull)
        .addColumn('target', 'text', notNull)
        .addColumn('ip', 'text')
        .addColumn('detail', 'text', (c) => c.notNull().defaultTo('{}'))
        .execute();
      await db.schema
        .createTable('settings')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('value', 'text', notNull)
        .execute();
    },
  };
}
