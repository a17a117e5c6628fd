/**
 * Names of users, organizations, projects and runs (docs/server.md#authentication). Users and organizations
 * share one namespace; their `name_key` drops case, `-` and `_`, so that look-alikes cannot be registered.
 */
import { sanitizeProject } from 'kohakuboard/storage';
import { apiError } from '../http/api-error.js';

const OWNER_NAME = /^[a-z0-9][a-z0-9_-]{1,38}$/;

export const RESERVED_NAMES = new Set(
  (
    'admin api assets auth boards default docs events health help kobo kohakuboard local login logout me new org ' +
    'orgs organizations private project projects public register root runs settings static system tokens user users www'
  ).split(' '),
);

/** Project names that would collide with fixed sub-routes of /api/projects/{P}. */
const PROJECT_RESERVED = new Set(['runs', 'config_keys', 'sync']);
const RUN_ID = /^[A-Za-z0-9]{1,64}$/;
export const MIN_PASSWORD = 8;
export const MAX_PASSWORD = 1024;

export function ownerNameKey(name: string): string {
  return name.toLowerCase().replace(/[-_]/g, '');
}

export function isValidOwnerName(name: unknown): name is string {
  return typeof name === 'string' && OWNER_NAME.test(name) && !RESERVED_NAMES.has(name);
}

export function checkUsername(name: unknown): string {
  if (!isValidOwnerName(name))
    throw apiError(
      400,
      'invalid_username',
      'Usernames are 2–39 of a-z, 0-9, - and _, starting with a letter or digit',
    );
  return name;
}

export function checkOrgName(name: unknown): string {
  if (!isValidOwnerName(name))
    throw apiError(
      400,
      'invalid_name',
      'Organization names are 2–39 of a-z, 0-9, - and _, starting with a letter or digit',
    );
  return name;
}

/** A project name as stored: NFC, unchanged by the storage sanitiser, ≤ 100 characters, not a sub-route. */
export function isValidProjectName(name: unknown): name is string {
  return (
    typeof name === 'string' &&
    name.length > 0 &&
    name.length <= 100 &&
    name.normalize('NFC') === name &&
    sanitizeProject(name) === name &&
    !PROJECT_RESERVED.has(name)
  );
}

export function checkProjectName(name: unknown): string {
  if (!isValidProjectName(name))
    throw apiError(
      400,
      'invalid_name',
      'Project names are letters, digits, _, . and - (≤ 100), not runs, config_keys or sync',
    );
  return name;
}

export const projectNameKey = (name: string) => name.toLowerCase();

export function isValidRunId(id: unknown): id is string {
  return typeof id === 'string' && RUN_ID.test(id);
}

export function checkPassword(password: unknown, username: string | null): string {
  if (typeof password !== 'string' || password.length < MIN_PASSWORD || password.length > MAX_PASSWORD)
    throw apiError(400, 'weak_password', `Passwords are ${MIN_PASSWORD}–${MAX_PASSWORD} characters`);
  if (username && password.toLowerCase().includes(username.toLowerCase()))
    throw apiError(400, 'weak_password', 'The password must not contain the username');
  return password;
}

export function emailKey(email: string): string {
  return email.trim().toLowerCase();
}

export function checkEmail(email: unknown): string {
  if (typeof email !== 'string' || email.length > 254 || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email.trim()))
    throw apiError(400, 'invalid_email', 'Invalid email address');
  return email.trim();
}
