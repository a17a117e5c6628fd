// The writer's commit interval under live sync (docs/sync.md#log-to-readable-latency): sync sends only what
// is committed, so a short sync interval shortens the default commit interval, never an explicit one.
import { describe, expect, it } from 'vitest';
import { DEFAULT_FLUSH_INTERVAL_MS, resolveBoardOptions } from '../src/client/board-options.js';

const remote = { remoteUrl: 'http://127.0.0.1:9', remoteToken: 't' };

describe('commit interval with live sync (docs/sync.md#log-to-readable-latency)', () => {
  it('is a quarter of a short sync interval', () => {
    const o = resolveBoardOptions({ ...remote, syncEnabled: true, syncInterval: 0.25 });
    expect(o.flushIntervalMs).toBe(62.5);
    expect(resolveBoardOptions({ ...remote, syncEnabled: true, syncInterval: 1 }).flushIntervalMs).toBe(250);
  });

  it('stays at the default for long intervals, at 20 ms for very short ones', () => {
    expect(resolveBoardOptions({ ...remote, syncEnabled: true }).flushIntervalMs).toBe(
      DEFAULT_FLUSH_INTERVAL_MS,
    );
    expect(resolveBoardOptions({ ...remote, syncEnabled: true, syncInterval: 0.01 }).flushIntervalMs).toBe(
      20,
    );
  });

  it('does not change when sync is off or cannot run, nor when flushIntervalMs is given', () => {
    expect(resolveBoardOptions({ ...remote, syncInterval: 0.25 }).flushIntervalMs).toBe(1000);
    expect(resolveBoardOptions({ syncEnabled: true, syncInterval: 0.25 }).flushIntervalMs).toBe(1000);
    expect(
      resolveBoardOptions({ ...remote, syncEnabled: true, syncInterval: 0.25, memoryMode: true })
        .flushIntervalMs,
    ).toBe(1000);
    expect(
      resolveBoardOptions({ ...remote, syncEnabled: true, syncInterval: 0.25, flushIntervalMs: 700 })
        .flushIntervalMs,
    ).toBe(700);
  });
});
