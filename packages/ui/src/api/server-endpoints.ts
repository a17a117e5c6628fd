/**
 * One typed function per route of the team server's accounts, tokens, organisations, project settings
 * and administration (docs/server.md#endpoints), at the Python server's paths.
 */
import { apiJson, apiUrl, seg } from './http';
import type {
  AdminInvite,
  AdminUser,
  ApiToken,
  CreatedToken,
  Me,
  NewTokenRequest,
  OneTimeLink,
  OrgInfo,
  OrgMember,
  OrgRole,
  OrgSummary,
  ServerProject,
  Visibility,
} from './server-types';

// Account

export const login = (username: string, password: string) =>
  apiJson<{ username: string }>('/api/auth/login', { method: 'POST', body: { username, password } });

export const logout = () => apiJson<unknown>('/api/auth/logout', { method: 'POST', body: {} });

export const logoutAll = () => apiJson<unknown>('/api/auth/logout-all', { method: 'POST', body: {} });

export const register = (body: { username: string; password: string; email?: string; invite?: string }) =>
  apiJson<{ username: string }>('/api/auth/register', { method: 'POST', body });

export const getMe = () => apiJson<Me>('/api/auth/me');

export const changePassword = (currentPassword: string, newPassword: string) =>
  apiJson<unknown>('/api/auth/password', {
    method: 'POST',
    body: { current_password: currentPassword, new_password: newPassword },
  });

export const confirmPasswordReset = (token: string, newPassword: string) =>
  apiJson<unknown>('/api/auth/password-reset/confirm', {
    method: 'POST',
    body: { token, new_password: newPassword },
  });

// API tokens

export const listTokens = () => apiJson<{ tokens: ApiToken[] }>('/api/auth/tokens').then((r) => r.tokens);

export const createToken = (body: NewTokenRequest) =>
  apiJson<CreatedToken>('/api/auth/tokens', { method: 'POST', body });

export const revokeToken = (id: number) =>
  apiJson<unknown>(`/api/auth/tokens/${seg(String(id))}`, { method: 'DELETE' });

// Organisations

export const listMyOrgs = (username: string) =>
  apiJson<{ organizations: OrgSummary[] }>(`/api/org/users/${seg(username)}/orgs`).then(
    (r) => r.organizations,
  );

export const createOrg = (name: string, description: string | null) =>
  apiJson<{ name: string }>('/api/org/create', { method: 'POST', body: { name, description } });

export const getOrg = (org: string) => apiJson<OrgInfo>(`/api/org/${seg(org)}`);

export const listMembers = (org: string) =>
  apiJson<{ members: OrgMember[] }>(`/api/org/${seg(org)}/members`).then((r) => r.members);

export const addMember = (org: string, username: string, role: OrgRole) =>
  apiJson<unknown>(`/api/org/${seg(org)}/members`, { method: 'POST', body: { username, role } });

export const setMemberRole = (org: string, username: string, role: OrgRole) =>
  apiJson<unknown>(`/api/org/${seg(org)}/members/${seg(username)}`, { method: 'PUT', body: { role } });

/** Removes a member; the caller's own name leaves the organisation. */
export const removeMember = (org: string, username: string) =>
  apiJson<unknown>(`/api/org/${seg(org)}/members/${seg(username)}`, { method: 'DELETE' });

// Projects

export const getServerProject = (project: string) => apiJson<ServerProject>(`/api/projects/${seg(project)}`);

export const updateServerProject = (
  project: string,
  body: { visibility?: Visibility; description?: string | null },
) => apiJson<ServerProject>(`/api/projects/${seg(project)}`, { method: 'PATCH', body });

// Administration

export const listUsers = (q: string, offset: number, limit: number) =>
  apiJson<{ users: AdminUser[]; total: number }>(
    apiUrl('/api/admin/users', { q: q || undefined, offset, limit }),
  );

export const updateUser = (username: string, body: { is_active?: boolean; is_admin?: boolean }) =>
  apiJson<unknown>(`/api/admin/users/${seg(username)}`, { method: 'PATCH', body });

export const passwordResetLink = (username: string) =>
  apiJson<OneTimeLink>(`/api/admin/users/${seg(username)}/password-reset`, { method: 'POST', body: {} });

export const listInvites = () =>
  apiJson<{ invites: AdminInvite[] }>('/api/admin/invites').then((r) => r.invites);

export const createInvite = (body: { is_admin?: boolean; email?: string; expires_in_hours?: number }) =>
  apiJson<OneTimeLink & { id: number }>('/api/admin/invites', { method: 'POST', body });

export const revokeInvite = (id: number) =>
  apiJson<unknown>(`/api/admin/invites/${seg(String(id))}`, { method: 'DELETE' });
