/**
 * A small team on a test server: users alice (owner of org acme), bob, carol (viewer in org other), with
 * alice's private project `alice/secret` and public project `alice/open`, each holding a copied fixture run.
 */
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { ADMIN, Client, eventually, type TestServer } from './server.js';

export const FIXTURES = fileURLToPath(
  new URL('../../../../test/fixtures/python-boards/base', import.meta.url),
);
export const PASSWORDS = {
  alice: 'first-long-password',
  bob: 'second-long-password',
  carol: 'third-long-password',
};

export interface World {
  admin: Client;
  alice: Client;
  bob: Client;
  carol: Client;
  anonymous: Client;
}

export async function buildWorld(t: TestServer): Promise<World> {
  const admin = new Client(t.url());
  await admin.login(ADMIN.username, ADMIN.password);
  const clients: Record<string, Client> = {};
  for (const [name, password] of Object.entries(PASSWORDS)) {
    const invite = (await admin.post('/api/admin/invites', {})).json().url as string;
    const token = new URL(invite).searchParams.get('invite');
    const c = new Client(t.url());
    const r = await c.post('/api/auth/register', { username: name, password, invite: token });
    expect(r.status, r.text).toBe(200);
    await c.login(name, password);
    clients[name] = c;
  }
  const { alice, bob, carol } = clients;
  expect((await alice.post('/api/org/create', { name: 'acme' })).status).toBe(200);
  expect((await carol.post('/api/org/create', { name: 'other' })).status).toBe(200);
  expect((await carol.post('/api/org/other/members', { username: 'bob', role: 'viewer' })).status).toBe(200);
  cpSync(join(FIXTURES, 'vision', 'lka9'), join(t.dataDir, 'users', 'alice', 'secret', 'lka9'), {
    recursive: true,
  });
  cpSync(
    join(FIXTURES, 'vision', 'u6pw_baseline_lr_3e-4_ablation'),
    join(t.dataDir, 'users', 'alice', 'secret', 'u6pw_baseline_lr_3e-4_ablation'),
    {
      recursive: true,
    },
  );
  cpSync(join(FIXTURES, 'nlp', 'qggl'), join(t.dataDir, 'users', 'alice', 'open', 'qggl'), {
    recursive: true,
  });
  cpSync(join(FIXTURES, 'nlp', 'qggl'), join(t.dataDir, 'users', 'acme', 'plans', 'qggl'), {
    recursive: true,
  });
  await eventually(async () => {
    const r = await alice.get('/api/projects');
    expect(
      r
        .json()
        .projects.map((p: { name: string }) => p.name)
        .sort(),
    ).toEqual(['acme/plans', 'alice/open', 'alice/secret']);
  });
  expect((await alice.req('PATCH', '/api/projects/alice%2Fopen', { visibility: 'public' })).status).toBe(200);
  return { admin, alice, bob, carol, anonymous: new Client(t.url()) };
}
