/**
 * Shapes of the team server's own routes (docs/server.md#endpoints): accounts, API tokens,
 * organisations, project settings and administration. `kobo open` has none of them.
 */

export interface SessionUser {
  username: string;
  is_admin: boolean;
}

/** What `/api/system/info` adds under the team server. */
export interface ServerSystemInfo {
  mode: string;
  require_auth?: boolean;
  registration?: 'open' | 'invite' | 'closed';
  anonymous_read?: boolean;
  no_auth?: boolean;
  user?: SessionUser | null;
}

export interface Me {
  id: number;
  username: string;
  email: string | null;
  email_verified: boolean;
  created_at: string | null;
  is_admin: boolean;
  auth: 'session' | 'token';
}

export type TokenScope = 'read' | 'write';

export interface ApiToken {
  id: number;
  name: string;
  /** Six characters after `kobo_`. */
  prefix: string;
  scopes: TokenScope[];
  project: string | null;
  expires_at: string | null;
  last_used: string | null;
  created_at: string | null;
}

export interface NewTokenRequest {
  name: string;
  scopes?: TokenScope[];
  project?: string | null;
  /** Omitted: the server's default life; null: never expires. */
  expires_in_days?: number | null;
}

export interface CreatedToken {
  token: string;
  token_id: number;
  prefix: string;
  scopes: TokenScope[];
  project: string | null;
  expires_at: string | null;
}

export type OrgRole = 'owner' | 'admin' | 'member' | 'viewer';
export const ORG_ROLES: readonly OrgRole[] = ['owner', 'admin', 'member', 'viewer'];

export interface OrgSummary {
  name: string;
  description: string | null;
  role: OrgRole;
  created_at: string | null;
}

export interface OrgInfo {
  name: string;
  description: string | null;
  created_at: string | null;
}

export interface OrgMember {
  user: string;
  role: OrgRole;
  created_at: string | null;
}

export type Visibility = 'public' | 'private';
export type ProjectAccess = 'read' | 'write' | 'manage';

export interface ServerProject {
  project: string;
  owner: string;
  owner_kind: 'user' | 'org';
  name: string;
  visibility: Visibility;
  description: string | null;
  created_at: string | null;
  run_count: number;
  access: ProjectAccess;
}

export interface AdminUser {
  username: string;
  email: string | null;
  is_admin: boolean;
  is_active: boolean;
  created_at: string | null;
  last_login_at: string | null;
}

export interface AdminInvite {
  id: number;
  email: string | null;
  is_admin: boolean;
  expires_at: string | null;
  used_at: string | null;
}

/** A one-time link (invite or password reset): shown once, never listed again. */
export interface OneTimeLink {
  url: string;
  expires_at: string | null;
}
