/**
 * Who is asking (docs/server.md#authentication): a signed-in user through a session, a user through
 * an API token (with its scopes and optional project), or the built-in `local` admin under --no-auth.
 * Anonymous callers are `null`.
 */
import type { OrgRole } from '../db/schema.js';

export type Scope = 'read' | 'write';

export interface Principal {
  userId: number;
  username: string;
  isAdmin: boolean;
  via: 'session' | 'token' | 'local';
  scopes: ReadonlySet<Scope>;
  /** A token restricted to one project: elsewhere it acts as anonymous. */
  projectId: number | null;
  /** Role per organization (owner id). */
  roles: ReadonlyMap<number, OrgRole>;
  sessionIdHash: string | null;
  tokenId: number | null;
}

export const ALL_SCOPES: ReadonlySet<Scope> = new Set(['read', 'write']);
