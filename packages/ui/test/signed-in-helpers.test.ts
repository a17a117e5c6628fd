/**
 * Pure pieces of the signed-in pages (docs/ui.md#signed-in-pages): where the login page may send the
 * user afterwards, and how the server's errors read.
 */
import { describe, expect, it } from 'vitest';
import { ApiError } from '../src/api/errors';
import { errorText, formatWait } from '../src/components/account/error-text';
import { safeRedirect } from '../src/state/session';

describe('the place to return to after signing in', () => {
  it('keeps paths of this app, with their query and hash', () => {
    expect(safeRedirect('/account')).toBe('/account');
    expect(safeRedirect('/projects/boss%2Fmnist?tab=Metrics#x')).toBe('/projects/boss%2Fmnist?tab=Metrics#x');
  });

  it('sends anything that could leave the app, or loop back to a sign-in page, to the dashboard', () => {
    for (const bad of [
      'https://evil.example/',
      '//evil.example/path',
      '/\\evil.example',
      'javascript:alert(1)',
      'account',
      '',
      '/login',
      '/login?redirect=/admin',
      '/register?invite=x',
      '/reset-password',
      undefined,
      ['/account'],
    ])
      expect(safeRedirect(bad), String(bad)).toBe('/');
  });

  it('does not take a page whose name merely starts like a sign-in page for one', () => {
    expect(safeRedirect('/loginhelp')).toBe('/loginhelp');
  });
});

describe("the server's errors in words", () => {
  it('says how long to wait after a rate limit', () => {
    expect(formatWait(0.2)).toBe('1 s');
    expect(formatWait(45)).toBe('45 s');
    expect(formatWait(200)).toBe('3 min 20 s');
    expect(formatWait(600)).toBe('10 min');
    expect(formatWait(7500)).toBe('2 h 5 min');
    const limited = new ApiError('Too many requests', 429, 'rate_limited', undefined, 125);
    expect(errorText(limited)).toBe('Too many attempts. Try again in 2 min 5 s.');
    expect(errorText(new ApiError('Too many requests', 429, 'rate_limited'))).toBe(
      'Too many attempts. Try again later.',
    );
  });

  it("uses a plain sentence for known codes and the server's message otherwise", () => {
    expect(errorText(new ApiError('Invalid username or password', 401, 'invalid_credentials'))).toBe(
      'Wrong username or password.',
    );
    expect(errorText(new ApiError('The last owner cannot leave', 409, 'last_owner'))).toBe(
      'The last owner cannot leave',
    );
    expect(errorText(new ApiError('Cannot reach the KohakuBoard server', 0, 'unreachable'))).toBe(
      'Cannot reach the KohakuBoard server.',
    );
  });
});
