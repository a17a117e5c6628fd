/**
 * The OpenAPI document (`/api/docs/openapi.json`) and the route schemas it is built from: the document is
 * valid OpenAPI 3; every request the web UI makes (read from its source) is in it with its path, query and
 * body parameters; the browsable page is served; and real answers — for every Python-written fixture run —
 * match the response schemas that the UI's types come from.
 */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileErrors, validate } from '@readme/openapi-parser';
import type { TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Viewer } from '../src/viewer/app.js';
import * as S from '../src/viewer/read-api/schemas.js';
import { copyFixtures } from './helpers/fixtures.js';
import { uiRequests } from './helpers/ui-endpoints.js';
import { get, type Json, post, startViewer } from './helpers/viewer.js';

const ENDPOINTS = resolve(dirname(fileURLToPath(import.meta.url)), '../../ui/src/api/endpoints.ts');

let fixtures: ReturnType<typeof copyFixtures>;
let viewer: Viewer;
let doc: Json;

beforeAll(async () => {
  fixtures = copyFixtures();
  viewer = await startViewer(fixtures.base);
  const r = await get(viewer, '/api/docs/openapi.json');
  expect(r.status).toBe(200);
  doc = r.json;
});

afterAll(async () => {
  await viewer?.close();
  fixtures?.cleanup();
});

/** `/api/projects/{project}/runs/{run_id}` → `/api/projects/{}/runs/{}`. */
const shape = (path: string) => path.replace(/\{[^}]*\}/g, '{}');

describe('the OpenAPI document', () => {
  it('is valid OpenAPI 3 and the page that shows it is served', async () => {
    expect(doc.openapi).toMatch(/^3\./);
    const result = await validate(structuredClone(doc));
    expect(result.valid, result.valid ? '' : compileErrors(result)).toBe(true);
    const page = await get(viewer, '/api/docs');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(page.body).toMatch(/swagger/i);
    const info = await get(viewer, '/api/system/info');
    expect((await get(viewer, '/')).json.docs).toBe('/api/docs');
    expect(info.status).toBe(200);
  });

  it('holds every request the web UI makes, with its parameters', () => {
    const requests = uiRequests(ENDPOINTS);
    // A sanity floor: the UI calls some 24 endpoints; a parser that lost them would pass vacuously.
    expect(requests.length).toBeGreaterThanOrEqual(24);
    const paths = new Map(
      Object.entries(doc.paths as Record<string, Json>).map(([p, ops]) => [shape(p), ops]),
    );
    for (const r of requests) {
      const label = `${r.method} ${r.path} (${r.at})`;
      const op = paths.get(r.path)?.[r.method.toLowerCase()];
      expect(op, `${label} is not in the document`).toBeDefined();
      const params = (op.parameters ?? []) as Array<{ in: string; name: string; required?: boolean }>;
      const pathParams = params.filter((p) => p.in === 'path');
      expect(pathParams.length, label).toBe((r.path.match(/\{\}/g) ?? []).length);
      for (const p of pathParams) expect(p.required, `${label} ${p.name}`).toBe(true);
      const query = params.filter((p) => p.in === 'query').map((p) => p.name);
      for (const key of r.query) expect(query, `${label}: query ${key}`).toContain(key);
      if (r.body.length > 0) {
        const body = op.requestBody?.content?.['application/json']?.schema;
        expect(body, `${label}: no request body`).toBeDefined();
        for (const key of r.body)
          expect(Object.keys(body.properties), `${label}: body ${key}`).toContain(key);
      }
    }
  });

  it('names `{name:path}` parameters and documents the errors', () => {
    const op = doc.paths['/api/projects/{project}/runs/{run_id}/scalars/{metric}'].get;
    expect(op.parameters.filter((p: Json) => p.in === 'path').map((p: Json) => p.name)).toEqual([
      'project',
      'run_id',
      'metric',
    ]);
    expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['200', '304', '4XX', '5XX']));
    const histogram = doc.paths['/api/projects/{project}/runs/{run_id}/histograms/{name}'].get;
    const names = histogram.parameters.filter((p: Json) => p.in === 'query').map((p: Json) => p.name);
    expect(names).toContain('bins');
    expect(names).not.toContain('normalize');
  });
});

describe('answers match the response schemas', () => {
  function expectSchema(schema: TSchema, value: unknown, label: string): void {
    const check = Compile(schema);
    if (!check.Check(value)) {
      const errors = [...check.Errors(value)].slice(0, 5);
      throw new Error(`${label} does not match its schema:\n${JSON.stringify(errors, null, 1)}`);
    }
  }

  async function expectJson(url: string, schema: TSchema): Promise<Json> {
    const r = await get(viewer, url);
    expect(r.status, url).toBe(200);
    expectSchema(schema, r.json, url);
    return r.json;
  }

  it('for every route the fixture runs answer with JSON', async () => {
    await expectJson('/api/system/info', S.SystemInfo);
    const projects = (await expectJson('/api/projects', S.ProjectList)).projects as Json[];
    let checked = 0;
    for (const { name: project } of projects) {
      const p = encodeURIComponent(project);
      const list = await expectJson(`/api/projects/${p}/runs`, S.RunList);
      await expectJson(`/api/projects/${p}/runs?fields=name,status&limit=2`, S.RunList);
      await expectJson(`/api/projects/${p}/config_keys`, S.ConfigKeys);
      const ids = list.runs.map((r: Json) => r.run_id);
      if (ids.length === 0) continue;
      const summaries = await post(viewer, `/api/projects/${p}/runs/batch/summary`, { run_ids: ids });
      expectSchema(S.BatchSummary, summaries.json, `${project} batch/summary`);
      const config = await post(viewer, `/api/projects/${p}/runs/batch/config`, { run_ids: ids });
      expectSchema(S.BatchConfig, config.json, `${project} batch/config`);
      for (const id of ids) {
        const run = `/api/projects/${p}/runs/${encodeURIComponent(id)}`;
        await expectJson(run, S.RunRecord);
        await expectJson(`${run}/status`, S.RunStatusInfo);
        await expectJson(`${run}/metadata`, S.RunMetadata);
        await expectJson(`${run}/config`, S.RunConfig);
        const summary = await expectJson(`${run}/summary`, S.RunSummary);
        const data = summary.available_data;
        await expectJson(`${run}/scalars?details=true`, S.ScalarList);
        await expectJson(`${run}/media?details=true`, S.MediaList);
        await expectJson(`${run}/tables`, S.TableList);
        await expectJson(`${run}/histograms`, S.HistogramList);
        await expectJson(`${run}/tensors`, S.TensorList);
        await expectJson(`${run}/kernel_density`, S.KdeList);
        const series = await post(viewer, `/api/projects/${p}/runs/batch/scalars`, {
          run_ids: [id],
          metrics: data.scalars,
          points: 100,
          smooth: 'ema',
        });
        expectSchema(S.BatchScalars, series.json, `${run} batch/scalars`);
        const path = (n: string) => n.split('/').map(encodeURIComponent).join('/');
        for (const m of data.scalars) {
          await expectJson(`${run}/scalars/${path(m)}`, S.ScalarSeries);
          await expectJson(`${run}/scalars/${path(m)}?points=64&smooth=ema&x_metric=step`, S.ScalarSeries);
        }
        for (const m of data.media) await expectJson(`${run}/media/${path(m)}`, S.MediaEntries);
        for (const t of data.tables)
          await expectJson(`${run}/tables/${path(t)}?resolve_media=true`, S.TableEntries);
        for (const h of data.histograms) {
          await expectJson(`${run}/histograms/${path(h)}`, S.HistogramEntries);
          await expectJson(`${run}/histograms/${path(h)}/surface`, S.Surface);
        }
        for (const t of data.tensors)
          await expectJson(
            `${run}/tensors/${path(t)}?include_data=true&encoding=json&stats=true`,
            S.TensorEntries,
          );
        for (const k of data.kernel_density) {
          await expectJson(`${run}/kernel_density/${path(k)}`, S.KdeEntries);
          await expectJson(`${run}/kernel_density/${path(k)}?points=16`, S.KdeEntries);
        }
        const logs = await expectJson(`${run}/logs`, S.LogList);
        for (const f of logs.files) await expectJson(`${run}/logs/${f.name}`, S.LogChunk);
        checked++;
      }
    }
    expect(checked).toBe(5);
  });
});
