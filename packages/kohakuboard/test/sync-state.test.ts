/**
 * sync_state.json: written with the Python client's keys and this project's cursors, read back as written;
 * a file for another server, project or run id, or one that is not JSON, starts the sync afresh.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { freshSyncState, readSyncState, writeSyncState } from '../src/sync/sync-state.js';

let dir = '';
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'kobo-sync-state-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const target = { remoteUrl: 'https://board.example.org', project: 'team/mnist', runId: 'abcd1234' };

it('reads back what was written, with two-space indentation and the Python keys', () => {
  const state = freshSyncState(target);
  state.last_synced_step = 120;
  state.metadata_synced = true;
  state.last_tensor_rowid = 3;
  state.cursors.metrics = { train__loss: 121 };
  state.cursors.histograms = { params_64_i32: 12 };
  state.cursors.media = 40;
  state.cursors.steps = 120;
  state.cursors.metadata_hash = 'f'.repeat(64);
  state.cursors.missing_media = ['3aet1vxyq5z0bjc55sjlpz'];
  state['log_hash_output.log'] = 'a'.repeat(64);
  writeSyncState(dir, state);
  const text = readFileSync(join(dir, 'sync_state.json'), 'utf8');
  expect(text).toContain('\n  "last_synced_step": 120,');
  expect(JSON.parse(text)).toMatchObject({
    remote_url: target.remoteUrl,
    project: 'team/mnist',
    run_id: 'abcd1234',
  });
  expect(readSyncState(dir, target)).toEqual(state);
});

it('starts afresh for another target or a damaged file', () => {
  const state = freshSyncState(target);
  state.cursors.metrics = { train__loss: 5 };
  writeSyncState(dir, state);
  expect(readSyncState(dir, { ...target, remoteUrl: 'https://other.example.org' }).cursors.metrics).toEqual(
    {},
  );
  expect(readSyncState(dir, { ...target, project: 'team/other' }).cursors.metrics).toEqual({});
  expect(readSyncState(dir, { ...target, runId: 'zzzz9999' }).cursors.metrics).toEqual({});
  expect(readSyncState(dir, target).cursors.metrics).toEqual({ train__loss: 5 });
  writeFileSync(join(dir, 'sync_state.json'), '{"remote_url": ');
  expect(readSyncState(dir, target)).toEqual(freshSyncState(target));
});
