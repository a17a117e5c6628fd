import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeBackends } from './helpers/backends.js';
import { koboOpen } from './helpers/kobo-open.js';
import { ADMIN, Client, eventually, startTestServer, type TestServer } from './helpers/server.js';

const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/python-boards/base', import.meta.url));
const RUNS = ['vision/lka9', 'vision/u6pw_baseline_lr_3e-4_ablation', 'nlp/qggl'];

describeBackends('runs copied into the data dir', (b) => {
  let t: TestServer;
  let viewer: { url: string; stop(): Promise<void> };
  let viewerDir: string;
  beforeAll(async () => {
    t = await startTestServer(b.target(), { flags: { registration: 'open' } });
    viewerDir = mkdtempSync(join(tmpdir(), 'kobo-open-'));
    for (const r of RUNS) cpSync(join(FIXTURES, r), join(viewerDir, r), { recursive: true });
    viewer = await koboOpen(viewerDir);
  });
  afterAll(async () => {
    await viewer?.stop();
    rmSync(viewerDir, { recursive: true, force: true });
    await t?.close();
  });

  it('appear for their owner with the values kobo open shows, for nobody else, and go when deleted', async () => {
    const owner = new Client(t.url());
    await owner.login(ADMIN.username, ADMIN.password);
    const other = new Client(t.url());
    await other.post('/api/auth/register', { username: 'mallory', password: 'swordfish-42-long' });
    await other.login('mallory', 'swordfish-42-long');
    const anonymous = new Client(t.url());

    // Event streams: the owner hears of the new runs, nobody else does.
    const listen = (c: Client) => {
      const controller = new AbortController();
      const seen: string[] = [];
      const done = (async () => {
        const headers: Record<string, string> = {};
        if (c.cookies.size) headers.cookie = [...c.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
        const res = await fetch(`${t.url()}/api/events`, { headers, signal: controller.signal });
        const decoder = new TextDecoder();
        try {
          for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>)
            seen.push(decoder.decode(chunk));
        } catch {
          /* aborted */
        }
      })();
      return {
        text: () => seen.join(''),
        stop: () => {
          controller.abort();
          return done;
        },
      };
    };
    const ownerEvents = listen(owner);
    const otherEvents = listen(other);
    const anonymousEvents = listen(anonymous);
    // The streams are open (their hello arrived) before anything is copied, so no event can precede them.
    for (const e of [ownerEvents, otherEvents, anonymousEvents])
      await eventually(async () => expect(e.text()).toContain('event: hello'));
    // Copied while the server runs.
    for (const r of RUNS) cpSync(join(FIXTURES, r), join(t.dataDir, r), { recursive: true });

    for (const project of ['vision', 'nlp']) {
      const mine = await eventually(async () => {
        const r = await owner.get(`/api/projects/${ADMIN.username}%2F${project}/runs`);
        expect(r.status).toBe(200);
        const want = RUNS.filter((x) => x.startsWith(`${project}/`)).length;
        expect(r.json().runs).toHaveLength(want);
        return r.json();
      });
      const local = (await (await fetch(`${viewer.url}/api/projects/${project}/runs`)).json()) as {
        runs: Array<Record<string, unknown> & { run_id: string }>;
      };
      const strip = (runs: Array<Record<string, unknown>>) =>
        runs.map(({ project: _p, status, ...rest }) => ({ ...rest, finished: status === 'finished' }));
      expect(strip(mine.runs)).toEqual(strip(local.runs));
      for (const run of local.runs) {
        const base = `/api/projects/${ADMIN.username}/${project}/runs/${run.run_id}`;
        for (const sub of ['/summary', '/scalars', '/status']) {
          const served = (await owner.get(`${base}${sub}`)).json();
          const viewed = (await (
            await fetch(`${viewer.url}/api/projects/${project}/runs/${run.run_id}${sub}`)
          ).json()) as Record<string, unknown>;
          delete served.project;
          delete viewed.project;
          expect(served).toEqual(viewed);
        }
        const metric = (await owner.get(`${base}/scalars`))
          .json()
          .metrics.find((m: string) => !['step', 'global_step', 'timestamp'].includes(m));
        if (metric) {
          const served = (await owner.get(`${base}/scalars/${metric}?points=200`)).json();
          const viewed = await (
            await fetch(
              `${viewer.url}/api/projects/${project}/runs/${run.run_id}/scalars/${metric}?points=200`,
            )
          ).json();
          expect(served).toEqual(viewed);
        }
        // Nobody else sees it: the same answer as a run that does not exist.
        for (const c of [other, anonymous]) {
          const r = await c.get(`${base}/summary`);
          const missing = await c.get(`/api/projects/${ADMIN.username}/${project}/runs/zzzz/summary`);
          expect(r.status).toBe(404);
          expect(r.text).toBe(missing.text);
        }
      }
      for (const c of [other, anonymous]) {
        expect((await c.get('/api/projects')).json().projects).toEqual([]);
        expect((await c.get(`/api/projects/${ADMIN.username}%2F${project}/runs`)).status).toBe(404);
      }
    }

    await eventually(async () =>
      expect(ownerEvents.text()).toMatch(
        /event: run_added\ndata: \{"project":"boss\/vision","run_id":"lka9"/,
      ),
    );
    await Promise.all([ownerEvents.stop(), otherEvents.stop(), anonymousEvents.stop()]);
    for (const e of [otherEvents, anonymousEvents]) {
      expect(e.text()).toContain('event: hello');
      expect(e.text()).not.toContain('run_added');
    }
    rmSync(join(t.dataDir, 'nlp', 'qggl'), { recursive: true });
    await eventually(async () => {
      const r = await owner.get(`/api/projects/${ADMIN.username}%2Fnlp/runs`);
      expect(r.json().runs).toHaveLength(0);
    });
    mkdirSync(join(t.dataDir, '.hidden', 'x'), { recursive: true });
  });
});
