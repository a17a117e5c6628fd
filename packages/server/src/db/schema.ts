/**
 * The tables (docs/server.md#database): times are integer Unix ms (`*_ms`), booleans 0/1, JSON as
 * text, `*_key` columns hold the lower-cased form used for case-insensitive uniqueness.
 */
import type { Generated, Insertable, Selectable, Updateable } from 'kysely';

export type OwnerKind = 'user' | 'org';
export type OrgRole = 'owner' | 'admin' | 'member' | 'viewer';
export type Visibility = 'public' | 'private';
export type RunVisibility = 'inherit' | Visibility;
export type RunSource = 'sync' | 'dropped';
/** `project` is this server's addition: a project's row changed (visibility, owner, deletion). */
export type ChangeKind = 'added' | 'updated' | 'data' | 'removed' | 'project';
/**
 * `invite`: made by an admin in the web UI or API; `operator_invite`: made on the command line
 * (`kobo-serve create-invite`), which registration `closed` still takes (docs/server.md#registration).
 */
export type OneTimePurpose = 'bootstrap' | 'invite' | 'operator_invite' | 'password_reset' | 'email_verify';

export interface OwnersTable {
  id: Generated<number>;
  kind: OwnerKind;
  name: string;
  name_key: string;
  created_ms: number;
}

export interface UsersTable {
  owner_id: number;
  email: string | null;
  email_key: string | null;
  email_verified_ms: number | null;
  password_hash: string | null;
  is_admin: number;
  is_active: number;
  last_login_ms: number | null;
}

export interface OrganizationsTable {
  owner_id: number;
  description: string | null;
}

export interface MembershipsTable {
  org_id: number;
  user_id: number;
  role: OrgRole;
  created_ms: number;
}

export interface ProjectsTable {
  id: Generated<number>;
  owner_id: number;
  name: string;
  name_key: string;
  visibility: Visibility;
  description: string | null;
  created_ms: number;
}

export interface RunsTable {
  id: Generated<number>;
  project_id: number;
  run_id: string;
  run_id_key: string;
  /** Relative to the data dir, with `/`. */
  folder: string;
  source: RunSource;
  visibility: RunVisibility;
  created_by: number | null;
  fingerprint: string | null;
  name: string;
  annotation: string | null;
  created_at: string | null;
  finished_at: string | null;
  status: string | null;
  last_activity_ms: number | null;
  last_step: number | null;
  first_ts_ms: number | null;
  last_ts_ms: number | null;
  has_global_step: number;
  config_json: string | null;
  log_hashes: string;
  pending_media: string;
  data_version: number;
  deleted_ms: number | null;
}

export interface SessionsTable {
  id_hash: string;
  user_id: number;
  created_ms: number;
  last_seen_ms: number;
  expires_ms: number;
  ip: string | null;
  user_agent: string | null;
}

export interface ApiTokensTable {
  id: Generated<number>;
  user_id: number;
  name: string;
  prefix: string;
  token_hash: string;
  scopes: string;
  project_id: number | null;
  expires_ms: number | null;
  last_used_ms: number | null;
  created_ms: number;
  revoked_ms: number | null;
}

export interface OneTimeTokensTable {
  id: Generated<number>;
  purpose: OneTimePurpose;
  token_hash: string;
  user_id: number | null;
  email: string | null;
  is_admin: number;
  created_by: number | null;
  expires_ms: number;
  used_ms: number | null;
}

export interface LeasesTable {
  name: string;
  holder: string | null;
  expires_ms: number;
  epoch: number;
}

export interface RunChangesTable {
  seq: Generated<number>;
  run_pk: number;
  kind: ChangeKind;
  summary: string;
  at_ms: number;
}

export interface RateLimitsTable {
  key: string;
  window_start_ms: number;
  count: number;
}

export interface AuditEventsTable {
  id: Generated<number>;
  at_ms: number;
  actor_id: number | null;
  action: string;
  target: string;
  ip: string | null;
  detail: string;
}

export interface SettingsTable {
  key: string;
  value: string;
}

export interface Schema {
  owners: OwnersTable;
  users: UsersTable;
  organizations: OrganizationsTable;
  memberships: MembershipsTable;
  projects: ProjectsTable;
  runs: RunsTable;
  sessions: SessionsTable;
  api_tokens: ApiTokensTable;
  one_time_tokens: OneTimeTokensTable;
  leases: LeasesTable;
  run_changes: RunChangesTable;
  rate_limits: RateLimitsTable;
  audit_events: AuditEventsTable;
  settings: SettingsTable;
}

export type RunRow = Selectable<RunsTable>;
export type NewRun = Insertable<RunsTable>;
export type RunUpdate = Updateable<RunsTable>;
export type ProjectRow = Selectable<ProjectsTable>;
export type OwnerRow = Selectable<OwnersTable>;
