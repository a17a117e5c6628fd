/**
 * The viewer's API against every Python-written fixture run (test/fixtures/python-boards): shapes and
 * values as docs/api.md defines them, compared with each run's expected.json (non-finite values as strings).
 */
import { createHash } from 'node:crypto';
import { utimesSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatIsoMicros, listRuns } from '../src/storage/index.js';
import type { Viewer } from '../src/viewer/app.js';
import { copyFixtures, fixtureIndex, fixtureRunDir, readExpected } from './helpers/fixtures.js';
import { get, type Json, startViewer } from './helpers/viewer.js';

/** expected.json's {"$nonfinite": "NaN"} as the API writes it: the string "NaN". */
function apiForm(v: Json): Json {
  if (Array.isArray(v)) return v.map(apiForm);
  if (v && typeof v === 'object') {
    if (Object.keys(v).length === 1 && typeof v.$nonfinite === 'string') return v.$nonfinite;
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, apiForm(x)]));
  }
  return v;
}

function column(section: Json, name: string): { head: number[]; tail: number[]; full: number[] | null } {
  if (Array.isArray(section[name]))
    return { head: section[name].slice(0, 20), tail: section[name].slice(-20), full: section[name] };
  return { head: section[`${name}_head`], tail: section[`${name}_tail`], full: null };
}

const enc = encodeURIComponent;
const runs = fixtureIndex().runs;

let fixtures: ReturnType<typeof copyFixtures>;
let viewer: Viewer;

beforeAll(async () => {
  fixtures = copyFixtures();
  viewer = await startViewer(fixtures.base);
});

afterAll(async () => {
  await viewer?.close();
  fixtures?.cleanup();
});

describe('projects and run listings (docs/api.md#projects, docs/api.md#run-records)', () => {
  it('lists every project of the fixtures, sorted, with run counts', async () => {
    const r = await get(viewer, '/api/projects');
    expect(r.status).toBe(200);
    const byProject = new Map<string, number>();
    for (const run of runs) byProject.set(run.project, (byProject.get(run.project) ?? 0) + 1);
    const names = [...byProject.keys()].sort();
    expect(r.json.projects.map((p: Json) => p.name)).toEqual(names);
    for (const p of r.json.projects) {
      expect(p.run_count).toBe(byProject.get(p.name));
      expect(p.display_name).toBe(p.name === 'default' ? 'Default Project' : p.name);
      expect(p.updated_at).toBe(formatIsoMicros(p.updated_at_ms));
    }
  });

  it('agrees with the storage library on which folders are runs', () => {
    const found = listRuns(fixtures.base)
      .map((l) => `${l.project}/${l.folder}`)
      .sort();
    expect(found).toEqual(runs.map((r) => `${r.project}/${r.board_id}`).sort());
  });

  for (const board of fixtureIndex().list_boards) {
    it(`lists ${board.project}/${board.board_id} with the fields of docs/api.md#run-records`, async () => {
      const run = runs.find((x) => x.board_id === board.board_id)!;
      const expected = readExpected(run);
      const r = await get(viewer, `/api/projects/${enc(String(board.project))}/runs`);
      expect(r.status).toBe(200);
      expect(r.headers['cache-control']).toBe('no-store');
      const listed = r.json.runs.find((x: Json) => x.board_id === board.board_id);
      expect(listed).toBeDefined();
      expect(Object.keys(listed)).toEqual([
        'run_id',
        'annotation',
        'name',
        'created_at',
        'updated_at',
        'config',
        'project',
        'board_id',
        'updated_at_ms',
        'finished_at',
        'status',
        'last_step',
      ]);
      expect(listed.run_id).toBe(board.run_id);
      expect(listed.annotation).toBe(board.annotation);
      expect(listed.name).toBe(board.name);
      expect(listed.created_at).toBe(board.created_at);
      expect(listed.config).toEqual(apiForm(board.config));
      expect(listed.updated_at_ms).toBe(board.updated_at);
      expect(listed.updated_at).toBe(formatIsoMicros(board.updated_at as number));
      expect(listed.finished_at).toBe((expected.metadata as Json).finished_at ?? null);
      const steps = column(expected.steps, 'step');
      expect(listed.last_step).toBe(Math.max(...(steps.full ?? steps.tail)));
      // Copies have fresh modification times, so an unfinished run counts as recently active.
      const status = { finished: 'finished', unfinished: 'running', unknown: 'unknown' }[run.state];
      expect(listed.status).toBe(status);
      expect(r.json.total).toBe(r.json.runs.length);
      expect(r.json.indexing).toBe(false);
    });
  }
});

describe.each(runs)('run $project/$board_id', (run) => {
  const expected = readExpected(run) as Json;
  const base = () => `/api/projects/${enc(run.project)}/runs/${enc(run.board_id)}`;
  const lastStep = () => {
    const s = column(expected.steps, 'step');
    return Math.max(...(s.full ?? s.tail));
  };

  it('status (docs/api.md#status)', async () => {
    const r = await get(viewer, `${base()}/status`);
    expect(r.status).toBe(200);
    expect(r.json.run_id).toBe(expected.listing.run_id);
    expect(r.json.annotation).toBe(expected.listing.annotation);
    expect(r.json.metrics_count).toBe(lastStep() + 1);
    expect(r.json.last_step).toBe(lastStep());
    expect(r.json.updated_at_ms).toBe(expected.listing.updated_at);
    expect(r.json.last_updated).toBe(formatIsoMicros(expected.listing.updated_at));
  });

  it('metadata (docs/api.md#metadata) adds run_id, annotation and board_id from the folder', async () => {
    const r = await get(viewer, `${base()}/metadata`);
    expect(r.status).toBe(200);
    expect(r.json).toEqual({
      ...apiForm(expected.metadata),
      run_id: expected.listing.run_id,
      annotation: expected.listing.annotation,
      board_id: expected.board_id,
    });
  });

  it('summary (docs/api.md#summary) lists what the run holds, sorted', async () => {
    const r = await get(viewer, `${base()}/summary`);
    expect(r.status).toBe(200);
    const s = r.json;
    expect(s.run_id).toBe(expected.listing.run_id);
    expect(s.experiment_id).toBe(expected.listing.run_id);
    expect(s.total_steps).toBe(lastStep() + 1);
    expect(s.experiment_info.total_steps).toBe(lastStep() + 1);
    expect(s.experiment_info.annotation).toBe(expected.listing.annotation);
    expect(s.experiment_info.description).toBe(
      `Config: ${JSON.stringify(apiForm(expected.metadata.config))}`,
    );
    const sorted = (xs: string[]) => [...new Set(xs)].sort();
    expect(s.available_data.scalars).toEqual([
      'step',
      'global_step',
      'timestamp',
      ...sorted(Object.keys(expected.metrics)),
    ]);
    expect(s.available_data.media).toEqual(sorted(expected.media.map((m: Json) => m.name)));
    expect(s.available_data.tables).toEqual(sorted(expected.tables.map((t: Json) => t.name)));
    const classic = Object.values(expected.histogram_files).flatMap((f: Json) =>
      f.rows.map((row: Json) => row.name),
    );
    const kde = expected.kernel_density.map((k: Json) => k.name);
    expect(s.available_data.histograms).toEqual(sorted([...classic, ...kde]));
    expect(s.available_data.kernel_density).toEqual(sorted(kde));
    expect(s.available_data.tensors).toEqual(sorted(expected.tensors.map((t: Json) => t.name)));
    expect(s.metadata.board_id).toBe(expected.board_id);
    const gs = column(expected.steps, 'global_step');
    expect(s.has_global_step).toBe((gs.full ?? [...gs.head, ...gs.tail]).some((g: number) => g !== 0));
    expect(s.first_timestamp_ms).toBe(column(expected.steps, 'timestamp').head[0]);
    expect(s.last_timestamp_ms).toBe(expected.listing.updated_at);
  });

  it('base columns come from the step index (docs/api.md#scalars)', async () => {
    const r = await get(viewer, `${base()}/scalars/step`);
    expect(r.status).toBe(200);
    const step = column(expected.steps, 'step');
    const ts = column(expected.steps, 'timestamp');
    expect(r.json.steps.length).toBe(expected.steps.count);
    expect(r.json.values.slice(0, 20)).toEqual(step.head);
    expect(r.json.steps.slice(-20)).toEqual(step.tail);
    expect(r.json.timestamps.slice(0, 20)).toEqual(ts.head.map((t: number) => Math.trunc(t / 1000)));
    const t = await get(viewer, `${base()}/scalars/timestamp?time_unit=ms&limit=5`);
    expect(t.json.values).toEqual(ts.tail.slice(-5));
    expect(t.json.timestamps).toEqual(ts.tail.slice(-5));
  });

  for (const [name, m] of Object.entries(expected.metrics as Record<string, Json>)) {
    it(`metric ${name}: every row, in step order, timestamps in seconds`, async () => {
      const r = await get(viewer, `${base()}/scalars/${name}`);
      expect(r.status).toBe(200);
      expect(Object.keys(r.json)).toEqual(['metric', 'steps', 'global_steps', 'timestamps', 'values']);
      expect(r.json.metric).toBe(name);
      expect(r.json.steps.length).toBe(m.count);
      for (const [api, col] of [
        ['steps', 'step'],
        ['global_steps', 'global_step'],
        ['values', 'value'],
      ] as const) {
        const c = column(m, col);
        if (c.full) expect(r.json[api]).toEqual(apiForm(c.full));
        else {
          expect(r.json[api].slice(0, 20)).toEqual(apiForm(c.head));
          expect(r.json[api].slice(-20)).toEqual(apiForm(c.tail));
        }
      }
      const ts = column(m, 'timestamp');
      expect(r.json.timestamps.slice(0, 20)).toEqual(ts.head.map((t: number) => Math.trunc(t / 1000)));
      const last = await get(viewer, `${base()}/scalars/${name}?limit=3&time_unit=ms`);
      expect(last.json.timestamps).toEqual(ts.tail.slice(-3));
      expect(last.json.total_points).toBe(m.count);
    });

    it(`metric ${name}: downsampled to 64 points keeps the ends and the extremes`, async () => {
      const full = (await get(viewer, `${base()}/scalars/${name}`)).json;
      const r = await get(viewer, `${base()}/scalars/${name}?points=64`);
      expect(r.json.downsampling.points_requested).toBe(64);
      expect(r.json.steps.length).toBeLessThanOrEqual(Math.min(m.count, 4 * 16 + 2) + 3);
      expect(r.json.steps[0]).toBe(full.steps[0]);
      expect(r.json.steps.at(-1)).toBe(full.steps.at(-1));
      const finite = full.values.filter((v: Json) => typeof v === 'number');
      expect(Math.max(...r.json.values.filter((v: Json) => typeof v === 'number'))).toBe(Math.max(...finite));
      expect(Math.min(...r.json.values.filter((v: Json) => typeof v === 'number'))).toBe(Math.min(...finite));
      expect(r.json.total_points).toBe(m.count);
    });
  }

  it('media entries and blobs (docs/api.md#media, docs/api.md#media-files)', async () => {
    const names = [...new Set(expected.media.map((x: Json) => x.name as string))];
    for (const name of names) {
      const rows = expected.media
        .filter((x: Json) => x.name === name)
        .sort((a: Json, b: Json) => a.step - b.step || a.id - b.id);
      const r = await get(viewer, `${base()}/media/${name}`);
      expect(r.status).toBe(200);
      expect(r.json.media_name).toBe(name);
      expect(r.json.data).toEqual(
        rows.map((x: Json) => ({
          name: x.blob_key,
          step: x.step,
          type: x.type,
          url: `/api/projects/${enc(run.project)}/runs/${enc(expected.listing.run_id)}/media/files/${x.blob_key}`,
          caption: x.caption,
          width: x.width,
          height: x.height,
          id: x.id,
          global_step: x.global_step,
          format: x.format,
          filename: x.blob_key,
          size_bytes: x.size_bytes,
        })),
      );
      for (const x of rows) {
        const blob = await get(viewer, `${base()}/media/files/${x.blob_key}`);
        if (x.blob_sha256 === null) {
          expect(blob.status).toBe(404);
          continue;
        }
        expect(blob.status).toBe(200);
        expect(createHash('sha256').update(blob.raw).digest('hex')).toBe(x.blob_sha256);
        expect(blob.headers['cache-control']).toBe('public, max-age=31536000, immutable');
        expect(blob.headers['accept-ranges']).toBe('bytes');
        const part = await get(viewer, `${base()}/media/files/${x.blob_key}`, { range: 'bytes=2-9' });
        expect(part.status).toBe(206);
        expect(part.headers['content-range']).toBe(`bytes 2-9/${x.size_bytes}`);
        expect(Buffer.compare(part.raw, blob.raw.subarray(2, 10))).toBe(0);
        const byId = await get(viewer, `/api/boards/${enc(expected.board_id)}/media/by-id/${x.id}`);
        expect(byId.status).toBe(200);
        expect(Buffer.compare(byId.raw, blob.raw)).toBe(0);
      }
    }
  });

  it('tables (docs/api.md#tables) with non-finite cells as strings and their positions', async () => {
    const names = [...new Set(expected.tables.map((t: Json) => t.name as string))];
    for (const name of names) {
      const rows = expected.tables.filter((t: Json) => t.name === name);
      const r = await get(viewer, `${base()}/tables/${name}`);
      expect(r.status).toBe(200);
      expect(r.json.table_name).toBe(name);
      expect(r.json.data.map((d: Json) => d.step)).toEqual(
        rows.map((t: Json) => t.step).sort((a: number, b: number) => a - b),
      );
      rows.forEach((t: Json, i: number) => {
        const d = r.json.data[i];
        expect(d.columns).toEqual(t.columns);
        expect(d.column_types).toEqual(t.column_types);
        expect(d.rows).toEqual(apiForm(t.rows));
        const cells: number[][] = [];
        t.rows.forEach((row: Json[], ri: number) => {
          row.forEach((c: Json, ci: number) => {
            if (c && typeof c === 'object' && '$nonfinite' in c) cells.push([ri, ci]);
          });
        });
        expect(d.nonfinite_cells).toEqual(cells);
      });
    }
  });

  it('classic histograms merge every store of the namespace, keep global_step 0 (docs/api.md#histograms)', async () => {
    const all = Object.values(expected.histogram_files).flatMap((f: Json) =>
      f.rows.map((row: Json) => ({ ...row, precision: f.precision })),
    );
    for (const name of new Set(all.map((x: Json) => x.name as string))) {
      const rows = all.filter((x: Json) => x.name === name).sort((a: Json, b: Json) => a.step - b.step);
      const r = await get(viewer, `${base()}/histograms/${name}`);
      expect(r.status).toBe(200);
      expect(r.json.data.length).toBe(rows.length);
      rows.forEach((row: Json, i: number) => {
        const e = r.json.data[i];
        expect(e.step).toBe(row.step);
        expect(e.global_step).toBe(row.global_step);
        expect(e.counts).toEqual(row.counts);
        expect(e.bins.length).toBe(row.counts.length + 1);
        expect(e.bins[0]).toBe(row.min);
        expect(e.bins.at(-1)).toBe(row.max);
        expect(e.precision).toBe(row.precision);
      });
      const surface = await get(viewer, `${base()}/histograms/${name}/surface?axis=step`);
      expect(surface.status).toBe(200);
      expect(surface.json.steps).toEqual(rows.map((x: Json) => x.step));
      expect(surface.json.matrix.length).toBe(rows.length);
    }
  });

  it('kernel densities (docs/api.md#kernel-density) and their histogram view (docs/api.md#kde-as-histograms)', async () => {
    for (const k of expected.kernel_density) {
      const r = await get(viewer, `${base()}/kernel_density/${k.name}?step=${k.step}`);
      expect(r.status).toBe(200);
      const e = r.json.entries[0];
      expect(e.sample_count).toBe(k.sample_count);
      expect(e.num_points).toBe(k.num_points);
      expect(e.grid.slice(0, 8)).toEqual(k.payload.grid.first_values);
      expect(e.density.slice(0, 8)).toEqual(k.payload.density.first_values);
      expect(e.bandwidth).toBe(k.bandwidth === null ? null : Number(k.bandwidth));
      const h = await get(viewer, `${base()}/histograms/${k.name}`);
      expect(h.json.data.every((x: Json) => x.precision === 'kde')).toBe(true);
    }
  });

  it('tensors (docs/api.md#tensors): the payload dtype and shape win over the recorded ones', async () => {
    for (const t of expected.tensors) {
      const r = await get(
        viewer,
        `${base()}/tensors/${t.name}?step=${t.step}&include_data=true&encoding=json`,
      );
      expect(r.status).toBe(200);
      const e = r.json.entries[0];
      expect(e.dtype).toBe(t.dtype);
      expect(e.data_dtype).toBe(t.payload.descr);
      expect(e.data_shape).toEqual(t.payload.shape);
      expect([e.data].flat(8).slice(0, 8)).toEqual(apiForm(t.payload.first_values));
      const raw = await get(viewer, `${base()}/tensors/${t.name}?step=${t.step}&format=npy`);
      expect(raw.status).toBe(200);
      expect(createHash('sha256').update(raw.raw).digest('hex')).toBe(
        expected.kvault[`data/tensors/${t.kv_file}.db`][t.kv_key].sha256,
      );
    }
  });

  it('logs (docs/api.md#logs)', async () => {
    const list = await get(viewer, `${base()}/logs`);
    expect(list.status).toBe(200);
    if (expected.output_log === null) return;
    expect(list.json.files[0].name).toBe('output.log');
    const r = await get(viewer, `${base()}/logs/output.log`);
    expect(r.json.content).toBe(expected.output_log.text);
    expect(r.json.eof).toBe(true);
    expect(r.json.size).toBe(Buffer.byteLength(expected.output_log.text));
  });
});

describe('run status by activity (docs/api.md#run-records)', () => {
  it('an unfinished Python run with no activity for longer than --stale-after is stale', async () => {
    const crashed = runs.find((r) => r.state === 'unfinished')!;
    const dir = fixtureRunDir(fixtures.base, crashed);
    const old = new Date(Date.now() - 3_600_000);
    for (const f of [
      'metadata.json',
      'data/metadata.db',
      'data/metadata.db-wal',
      'data/metrics/train__ppl.db',
      'data/metrics/train__ppl.db-wal',
      'media/blobs.db',
      'media/blobs.db-wal',
    ]) {
      try {
        utimesSync(join(dir, f), old, old);
      } catch {
        /* not every file exists */
      }
    }
    const v = await startViewer(fixtures.base, { staleAfterS: 600 });
    try {
      const r = await get(v, `/api/projects/${crashed.project}/runs/${crashed.board_id}/status`);
      expect(r.json.status).toBe('stale');
      expect(r.json.finished_at).toBeNull();
    } finally {
      await v.close();
    }
  });
});
