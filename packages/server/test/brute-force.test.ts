/**
 * Brute force across two server processes sharing one database: the 11th failure for one name is 429 even
 * with the right password (unknown names too), and the per-address limit holds whatever X-Forwarded-For
 * says when --trust-proxy is off.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeBackends } from './helpers/backends.js';
import { ADMIN, Client, startTestServer, type TestServer } from './helpers/server.js';

describeBackends('brute force across processes', (b) => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer(b.target(), { instances: 2 });
  });
  afterAll(async () => t?.close());

  it('limits failures per name and attempts per address in the database', async () => {
    const c = [new Client(t.url(0)), new Client(t.url(1))];
    let attempts = 0;
    const login = async (username: string, password: string, headers: Record<string, string> = {}) => {
      const r = await c[attempts % 2].post('/api/auth/login', { username, password }, headers);
      attempts++;
      return r;
    };
    for (let i = 0; i < 10; i++)
      expect((await login(ADMIN.username, `wrong-${i}-password`)).status).toBe(401);
    const blocked = await login(ADMIN.username, ADMIN.password);
    expect(blocked.status).toBe(429);
    expect(blocked.json().detail.code).toBe('rate_limited');
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    for (let i = 0; i < 10; i++) expect((await login('ghost', `wrong-${i}-password`)).status).toBe(401);
    expect((await login('ghost', 'anything-at-all')).status).toBe(429);
    // 22 attempts so far from this address; the limit is 30 per 10 minutes, forwarded headers or not.
    while (attempts < 30) {
      const r = await login(`user${attempts}`, 'wrong-password-x', {
        'x-forwarded-for': `10.0.0.${attempts}`,
      });
      expect(r.status).toBe(401);
    }
    const over = await login('someone', 'wrong-password-x', { 'x-forwarded-for': '10.9.9.9' });
    expect(over.status).toBe(429);
  });
});
