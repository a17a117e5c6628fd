/**
 * The viewer while runs change: runs copied in, started or deleted appear and disappear without a restart;
 * the event stream announces them and their growth; and a run that this project's client writes in another
 * process while the API is polled is always read consistently, ending with exactly what was logged.
 *
 * Runs that the client itself cannot produce (a folder whose metadata.json comes later, two folders with one
 * run_id, metadata.json edited by another program) are made with the storage writers (helpers/ts-runs.ts).
 */
import { cpSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Viewer } from '../src/viewer/app.js';
import { type RunningChild, startNodeScript } from './helpers/child-process.js';
import { LATE_FROM, TOTAL, valuesAt } from './helpers/client-live-data.mjs';
import { copyFixtures } from './helpers/fixtures.js';
import { connectSse, type SseClient } from './helpers/sse.js';
import { writeTsRun } from './helpers/ts-runs.js';
import { get, type Json, startViewer, tempDir } from './helpers/viewer.js';

const here = dirname(fileURLToPath(import.meta.url));
const CLIENT_LIVE = join(here, 'helpers', 'client-live.mjs');
const METRICS = ['loss', 'lr', 'acc', 'late/metric'];
const asApi = (v: number) =>
  Number.isFinite(v) ? v : Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity';

/** What the client logged for a metric over the first `calls` calls: steps and values as the API sends them. */
function logged(metric: string, calls: number): { steps: number[]; values: Array<number | string> } {
  const steps: number[] = [];
  const values: Array<number | string> = [];
  for (let s = 0; s < calls; s++) {
    const v = valuesAt(s)[metric];
    if (v === undefined) continue;
    steps.push(s);
    values.push(asApi(v));
  }
  return { steps, values };
}

describe('the run index follows the data directory (no restart)', () => {
  let tmp: ReturnType<typeof tempDir>;
  let viewer: Viewer;
  let fixtures: ReturnType<typeof copyFixtures>;

  beforeAll(async () => {
    tmp = tempDir();
    fixtures = copyFixtures();
    mkdirSync(join(tmp.dir, 'data'));
    viewer = await startViewer(join(tmp.dir, 'data'));
  });
  afterAll(async () => {
    await viewer?.close();
    tmp?.cleanup();
    fixtures?.cleanup();
  });

  it('an empty directory lists only the default project', async () => {
    const r = await get(viewer, '/api/projects');
    expect(r.json.projects).toEqual([
      {
        name: 'default',
        display_name: 'Default Project',
        run_count: 0,
        created_at: null,
        updated_at: null,
        updated_at_ms: null,
      },
    ]);
  });

  it('runs copied in, created in steps, renamed and deleted are followed, with events', async () => {
    const seen: string[] = [];
    const off = viewer.events.subscribe(
      (e) => seen.push(`${e.event}:${e.data.project}/${e.data.run_id}`),
      () => {},
    );
    try {
      cpSync(join(fixtures.base, 'vision'), join(tmp.dir, 'data', 'vision'), { recursive: true });
      await viewer.index.tick();
      expect(
        (await get(viewer, '/api/projects/vision/runs')).json.runs.map((r: Json) => r.run_id).sort(),
      ).toEqual(['lka9', 'u6pw']);
      expect(seen).toContain('run_added:vision/lka9');

      // A run folder whose metadata.json appears only later.
      const late = join(tmp.dir, 'data', 'vision', 'late1');
      mkdirSync(late);
      await viewer.index.tick();
      expect((await get(viewer, '/api/projects/vision/runs/late1')).status).toBe(404);
      writeTsRun(join(tmp.dir, 'data'), {
        project: 'vision',
        runId: 'late1',
        metrics: { m: { steps: [0], values: [1] } },
      });
      await viewer.index.tick();
      expect((await get(viewer, '/api/projects/vision/runs/late1')).json.last_step).toBe(0);

      // A new project and a legacy top-level run.
      cpSync(
        join(fixtures.base, '20251105_142233_1a2b3c4d'),
        join(tmp.dir, 'data', '20251105_142233_1a2b3c4d'),
        { recursive: true },
      );
      writeTsRun(join(tmp.dir, 'data'), { project: 'fresh', runId: 'f0001' });
      await viewer.index.tick();
      const projects = (await get(viewer, '/api/projects')).json.projects.map((p: Json) => p.name);
      expect(projects).toEqual(['default', 'fresh', 'vision']);

      // Renamed by someone else: the old one goes, the new one comes.
      renameSync(join(tmp.dir, 'data', 'vision', 'late1'), join(tmp.dir, 'data', 'vision', 'late1_moved'));
      await viewer.index.tick();
      expect((await get(viewer, '/api/projects/vision/runs/late1')).json.board_id).toBe('late1_moved');

      rmSync(join(tmp.dir, 'data', 'vision', 'lka9'), { recursive: true });
      await viewer.index.tick();
      expect((await get(viewer, '/api/projects/vision/runs/lka9')).status).toBe(404);
      expect(seen).toContain('run_removed:vision/lka9');

      rmSync(join(tmp.dir, 'data', 'fresh'), { recursive: true });
      await viewer.index.tick();
      expect((await get(viewer, '/api/projects/fresh/runs')).status).toBe(404);
    } finally {
      off();
    }
  });

  it('a finished run edited by another program is re-read by the slow sweep, not by every tick', async () => {
    const dir = tempDir();
    writeTsRun(dir.dir, { project: 'p', runId: 'done1', name: 'Before' });
    const v = await startViewer(dir.dir);
    const seen: string[] = [];
    const off = v.events.subscribe(
      (e) => seen.push(`${e.event}:${e.data.run_id}:${e.data.name ?? ''}`),
      () => {},
    );
    try {
      const path = join(dir.dir, 'p', 'done1', 'metadata.json');
      const meta = JSON.parse(readFileSync(path, 'utf8'));
      writeFileSync(path, JSON.stringify({ ...meta, name: 'Edited Elsewhere' }, null, 2));
      // A finished run that the index found at start is not among the runs every tick looks at.
      await v.index.tick();
      expect((await get(v, '/api/projects/p/runs/done1')).json.name).toBe('Before');
      await v.index.sweep();
      expect((await get(v, '/api/projects/p/runs/done1')).json.name).toBe('Edited Elsewhere');
      expect(seen).toContain('run_updated:done1:Edited Elsewhere');
    } finally {
      off();
      await v.close();
      dir.cleanup();
    }
  });

  it('a client killed while running (no heartbeat any more) turns stale (--stale-after)', async () => {
    const dir = tempDir();
    const v = await startViewer(dir.dir, { staleAfterS: 1 });
    let child: RunningChild | null = null;
    try {
      // The client logs steadily; its metadata.json says "running" until it is killed without a chance to end.
      child = startNodeScript(CLIENT_LIVE, [dir.dir, '200']);
      let status: Json = null;
      for (let i = 0; i < 400 && status === null; i++) {
        await new Promise((r) => setTimeout(r, 50));
        await v.index.tick();
        const r = await get(v, '/api/projects/live/runs/wr01/status');
        if (r.status === 200 && r.json.last_step !== null) status = r.json;
      }
      expect(status?.status).toBe('running');
      child.child.kill('SIGKILL');
      await child.done;
      const updates: string[] = [];
      const off = v.events.subscribe(
        (e) => updates.push(`${e.event}:${e.data.status}`),
        () => {},
      );
      const deadline = Date.now() + 20_000;
      while (
        (await get(v, '/api/projects/live/runs/wr01/status')).json.status !== 'stale' &&
        Date.now() < deadline
      ) {
        await new Promise((r) => setTimeout(r, 200));
        await v.index.tick();
      }
      off();
      expect((await get(v, '/api/projects/live/runs/wr01/status')).json.status).toBe('stale');
      expect(updates).toContain('run_updated:stale');
      // What was committed before the kill is all there, consistent.
      const loss = (await get(v, '/api/projects/live/runs/wr01/scalars/loss')).json;
      const expected = logged('loss', loss.steps.length);
      expect(loss.steps).toEqual(expected.steps);
      expect(loss.values).toEqual(expected.values);
    } finally {
      if (child && child.child.exitCode === null && child.child.signalCode === null)
        child.child.kill('SIGKILL');
      await v.close();
      dir.cleanup();
    }
  });

  it('a half-written metadata.json (Python writes it in place) shows the run as it is, then its real name', async () => {
    const dir = join(tmp.dir, 'data', 'half', 'h001');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'metadata.json'), '{\n  "name": "Half Wri');
    await viewer.index.tick();
    const first = await get(viewer, '/api/projects/half/runs/h001');
    expect(first.status).toBe(200);
    expect(first.json).toMatchObject({ name: 'h001', status: 'unknown', last_step: null });
    expect((await get(viewer, '/api/projects/half/runs/h001/summary')).status).toBe(200);
    expect((await get(viewer, '/api/projects/half/runs/h001/scalars/x')).json.steps).toEqual([]);
    writeFileSync(
      join(dir, 'metadata.json'),
      '{"name": "Half Written", "config": {}, "created_at": "2025-01-01T00:00:00+00:00", "project": "half", "finished_at": null}',
    );
    await viewer.index.tick();
    expect((await get(viewer, '/api/projects/half/runs/h001')).json).toMatchObject({
      name: 'Half Written',
      status: 'running',
    });
  });

  it('two folders with one run_id are listed by their full folder names (docs/api.md#run-resolution)', async () => {
    writeTsRun(join(tmp.dir, 'data'), { project: 'dup', runId: 'same', annotation: 'a' });
    writeTsRun(join(tmp.dir, 'data'), { project: 'dup', runId: 'same', annotation: 'b' });
    await viewer.index.tick();
    const r = await get(viewer, '/api/projects/dup/runs');
    expect(r.json.runs.map((x: Json) => x.run_id).sort()).toEqual(['same_a', 'same_b']);
    expect((await get(viewer, '/api/projects/dup/runs/same')).json.board_id).toBe('same_a');
    expect((await get(viewer, '/api/projects/dup/runs/same_b')).json.board_id).toBe('same_b');
  });
});

describe('event stream and reading while the client writes in another process (docs/api.md#events)', () => {
  let tmp: ReturnType<typeof tempDir>;
  let viewer: Viewer;
  let base: string;
  let writer: RunningChild | null = null;
  let sse: SseClient | null = null;

  beforeAll(async () => {
    tmp = tempDir();
    mkdirSync(join(tmp.dir, 'data'), { recursive: true });
    viewer = await startViewer(join(tmp.dir, 'data'), {
      pollIntervalMs: 200,
      eventIntervalS: 0.2,
      watch: true,
    });
    await viewer.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(viewer.app.server.address() as { port: number }).port}`;
  });
  afterEach(() => {
    sse?.close();
    sse = null;
  });
  afterAll(async () => {
    if (writer && writer.child.exitCode === null) writer.child.kill();
    await viewer?.close();
    tmp?.cleanup();
  });

  /** One poll of every metric: each answer a consistent prefix of what was logged. Returns the row counts. */
  async function pollConsistent(): Promise<number[]> {
    const counts: number[] = [];
    for (const metric of METRICS) {
      const full = (await get(viewer, `/api/projects/live/runs/wr01/scalars/${metric}`)).json;
      const n = full.steps.length;
      expect(full.values.length).toBe(n);
      expect(full.global_steps.length).toBe(n);
      expect(full.timestamps.length).toBe(n);
      for (let i = 1; i < n; i++) expect(full.steps[i]).toBeGreaterThan(full.steps[i - 1]);
      // Every row is the logged one: the rows of the calls up to the last step returned.
      const expected = logged(metric, n > 0 ? full.steps[n - 1] + 1 : 0);
      expect(full.steps).toEqual(expected.steps);
      expect(full.values).toEqual(expected.values);
      const ds = (await get(viewer, `/api/projects/live/runs/wr01/scalars/${metric}?points=100`)).json;
      expect(ds.values.length).toBe(ds.steps.length);
      for (let i = 1; i < ds.steps.length; i++) expect(ds.steps[i]).toBeGreaterThan(ds.steps[i - 1]);
      counts.push(n);
    }
    const status = (await get(viewer, '/api/projects/live/runs/wr01/status')).json;
    if (status.metrics_count !== undefined) expect(status.metrics_count).toBeGreaterThanOrEqual(0);
    return counts;
  }

  it('hello, run_added, run_data as the metrics grow (new ones announced), and run_updated when the run finishes', async () => {
    sse = await connectSse(`${base}/api/events?project=live`);
    const hello = await sse.waitFor((e) => e.event === 'hello');
    expect(hello.data.api_version).toBe(2);
    expect(sse.raw().startsWith('retry: 3000\n\n')).toBe(true);

    writer = startNodeScript(CLIENT_LIVE, [join(tmp.dir, 'data'), '60', 'pause'], { stdin: true });
    let done = false;
    void writer.done.then(() => {
      done = true;
    });

    const added = await sse.waitFor((e) => e.event === 'run_added' && e.data.run_id === 'wr01');
    expect(added.data).toMatchObject({ project: 'live', name: 'Live Run', status: 'running' });
    const growing = await sse.waitFor((e) => e.event === 'run_data' && e.data.scalars?.loss?.count > 0);
    expect(growing.data.project).toBe('live');
    // loss is logged on every call from step 0: its last step is its count − 1.
    expect(growing.data.scalars.loss.last_step).toBe(growing.data.scalars.loss.count - 1);
    expect(Number(growing.id)).toBeGreaterThan(Number(added.id));

    // The child stops before late/metric exists; the viewer has seen the run by now (it reported growth).
    await writer.waitForLine(/^PAUSED$/);
    expect(await pollConsistent()).toEqual([LATE_FROM, LATE_FROM, LATE_FROM / 2, 0]);
    writer.child.stdin?.end('go\n');

    // Poll while the child writes: every answer is one consistent snapshot, and the rows only grow.
    let polls = 0;
    let previous = METRICS.map(() => 0);
    while (!done || polls < 3) {
      const counts = await pollConsistent();
      counts.forEach((n, i) => {
        expect(n).toBeGreaterThanOrEqual(previous[i]);
      });
      previous = counts;
      polls++;
    }
    const result = await writer.done;
    expect(result.code).toBe(0);
    expect(result.stdout.trim().split('\n')).toEqual(['PAUSED', `done ${TOTAL}`]);

    const finished = await sse.waitFor((e) => e.event === 'run_updated' && e.data.status === 'finished');
    expect(finished.data.run_id).toBe('wr01');
    for (const metric of METRICS) {
      const final = (await get(viewer, `/api/projects/live/runs/wr01/scalars/${metric}`)).json;
      const expected = logged(metric, TOTAL);
      expect(final.steps).toEqual(expected.steps);
      expect(final.values).toEqual(expected.values);
    }
    const last = await sse.waitFor((e) => e.event === 'run_data' && e.data.scalars?.loss?.count === TOTAL);
    expect(last.data.last_step).toBe(TOTAL - 1);
    // A metric that appears mid-run is announced once as new (its file may still be empty then), and its
    // rows are announced as they come.
    const announced = sse.events.filter(
      (e) => e.event === 'run_data' && e.data.new_scalars.includes('late/metric'),
    );
    expect(announced.length).toBe(1);
    const late = await sse.waitFor(
      (e) => e.event === 'run_data' && e.data.scalars?.['late/metric']?.count > 0,
    );
    expect(late.data.scalars['late/metric'].last_step).toBeGreaterThanOrEqual(LATE_FROM);
    expect(Number(late.id)).toBeGreaterThanOrEqual(Number(announced[0].id));
    // acc grows with every event that reports it, and its last step is always even.
    const acc = sse.events.filter((e) => e.event === 'run_data' && e.data.scalars?.acc);
    expect(acc.length).toBeGreaterThan(0);
    for (const e of acc) expect(e.data.scalars.acc.last_step % 2).toBe(0);
    expect(polls).toBeGreaterThan(2);
  });

  it('replays after Last-Event-ID, and asks for a resync for an id of another server process', async () => {
    const all = await connectSse(`${base}/api/events?project=live`);
    const hello = await all.waitFor((e) => e.event === 'hello');
    all.close();
    const firstId = viewer.events.firstId;
    sse = await connectSse(`${base}/api/events?project=live`, { 'last-event-id': String(firstId - 1) });
    await sse.waitFor((e) => e.event === 'run_added');
    sse.close();
    sse = await connectSse(`${base}/api/events`, { 'last-event-id': '12345' });
    const resync = await sse.waitFor((e) => e.event === 'resync');
    expect(resync.data.reason).toBe('server_restart');
    expect(Number(hello.data.last_event_id)).toBe(viewer.events.lastId);
  });

  it('filters by event type and by runs', async () => {
    sse = await connectSse(`${base}/api/events?types=run_added,run_removed`);
    writeTsRun(join(tmp.dir, 'data'), { project: 'live', runId: 'other1', status: 'running' });
    const added = await sse.waitFor((e) => e.event === 'run_added' && e.data.run_id === 'other1');
    expect(added.data.status).toBe('running');
    expect(sse.events.every((e) => ['hello', 'run_added', 'run_removed'].includes(e.event))).toBe(true);
    expect((await fetch(`${base}/api/events?runs=a`)).status).toBe(400);
  });
});
