/**
 * Projects, runs and the change feed (docs/server.md#database). Every change to a run row adds a
 * `run_changes` row in the same transaction, so that every process's index follows by reading the feed.
 */
import type { Kysely, Transaction } from 'kysely';
import type { Database } from './database.js';
import type { ChangeKind, NewRun, ProjectRow, RunRow, RunUpdate, Schema, Visibility } from './schema.js';

type Q = Kysely<Schema> | Transaction<Schema>;

export interface ProjectWithOwner extends ProjectRow {
  owner_name: string;
  owner_kind: 'user' | 'org';
}

export async function allProjects(db: Database): Promise<ProjectWithOwner[]> {
  const rows = await db.k
    .selectFrom('projects')
    .innerJoin('owners', 'owners.id', 'projects.owner_id')
    .selectAll('projects')
    .select(['owners.name as owner_name', 'owners.kind as owner_kind'])
    .execute();
  return rows.map((r) => ({ ...r, id: Number(r.id), owner_id: Number(r.owner_id) }));
}

export async function addChange(q: Q, runPk: number, kind: ChangeKind, summary: unknown = {}): Promise<void> {
  await q
    .insertInto('run_changes')
    .values({ run_pk: runPk, kind, summary: JSON.stringify(summary), at_ms: Date.now() })
    .execute();
}

/** Creates a project; returns its id, or null when the owner already has one of that name. */
export async function ensureProject(
  q: Q,
  p: { ownerId: number; name: string; visibility: Visibility; description?: string | null },
): Promise<{ id: number; created: boolean }> {
  const key = p.name.toLowerCase();
  const existing = await q
    .selectFrom('projects')
    .select('id')
    .where('owner_id', '=', p.ownerId)
    .where('name_key', '=', key)
    .executeTakeFirst();
  if (existing) return { id: Number(existing.id), created: false };
  const row = await q
    .insertInto('projects')
    .values({
      owner_id: p.ownerId,
      name: p.name,
      name_key: key,
      visibility: p.visibility,
      description: p.description ?? null,
      created_ms: Date.now(),
    })
    .onConflict((oc) => oc.columns(['owner_id', 'name_key']).doNothing())
    .returning('id')
    .executeTakeFirst();
  if (row) {
    await addChange(q, Number(row.id), 'project', { project_id: Number(row.id) });
    return { id: Number(row.id), created: true };
  }
  const again = await q
    .selectFrom('projects')
    .select('id')
    .where('owner_id', '=', p.ownerId)
    .where('name_key', '=', key)
    .executeTakeFirstOrThrow();
  return { id: Number(again.id), created: false };
}

export function normalizeRun(r: RunRow): RunRow {
  return {
    ...r,
    id: Number(r.id),
    project_id: Number(r.project_id),
    created_by: r.created_by === null ? null : Number(r.created_by),
  };
}

export async function liveRuns(db: Database): Promise<RunRow[]> {
  const rows = await db.k.selectFrom('runs').selectAll().where('deleted_ms', 'is', null).execute();
  return rows.map(normalizeRun);
}

export async function runByPk(db: Database, pk: number): Promise<RunRow | null> {
  const r = await db.k.selectFrom('runs').selectAll().where('id', '=', pk).executeTakeFirst();
  return r ? normalizeRun(r) : null;
}

export async function insertRun(q: Q, run: NewRun): Promise<number> {
  const row = await q.insertInto('runs').values(run).returning('id').executeTakeFirstOrThrow();
  const pk = Number(row.id);
  await addChange(q, pk, 'added');
  return pk;
}

export async function updateRun(
  q: Q,
  pk: number,
  set: RunUpdate,
  kind: ChangeKind,
  summary: unknown = {},
): Promise<void> {
  await q.updateTable('runs').set(set).where('id', '=', pk).execute();
  await addChange(q, pk, kind, summary);
}

export async function markRunDeleted(q: Q, pk: number): Promise<void> {
  await q
    .updateTable('runs')
    .set({ deleted_ms: Date.now() })
    .where('id', '=', pk)
    .where('deleted_ms', 'is', null)
    .execute();
  await addChange(q, pk, 'removed');
}

export interface ChangeRow {
  seq: number;
  run_pk: number;
  kind: ChangeKind;
  summary: string;
  at_ms: number;
}

export async function changesAfter(db: Database, seq: number, limit = 5000): Promise<ChangeRow[]> {
  const rows = await db.k
    .selectFrom('run_changes')
    .selectAll()
    .where('seq', '>', seq)
    .orderBy('seq')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ ...r, seq: Number(r.seq), run_pk: Number(r.run_pk) }));
}

export async function maxChangeSeq(db: Database): Promise<number> {
  const r = await db.k
    .selectFrom('run_changes')
    .select((eb) => eb.fn.max('seq').as('m'))
    .executeTakeFirst();
  return r?.m === null || r?.m === undefined ? 0 : Number(r.m);
}

/** The newest changes made after `sinceMs` (at most `limit`), oldest first. */
export async function recentChanges(db: Database, sinceMs: number, limit = 1000): Promise<ChangeRow[]> {
  const rows = await db.k
    .selectFrom('run_changes')
    .selectAll()
    .where('at_ms', '>', sinceMs)
    .orderBy('seq', 'desc')
    .limit(limit)
    .execute();
  return rows.reverse().map((r) => ({ ...r, seq: Number(r.seq), run_pk: Number(r.run_pk) }));
}
