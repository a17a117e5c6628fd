/**
 * The per-event side of mapping summary values to rows: the event's step (taken from the run's counter when
 * its first row is added), global step and timestamp, where skipped values are counted and where warnings go.
 */
import type { JsonValue } from '../storage/index.js';
import type { ImportBatch } from './import-batch.js';
import { countSkipped, type ImportWarning, type RunPassStats } from './import-report.js';
import type { ImportState } from './import-state.js';
import type { EventContext } from './summary-mapping.js';
import type { TagNames } from './tag-names.js';

/** What the mapping needs from the run's importer. */
export interface MappingOwner {
  readonly batch: ImportBatch;
  readonly names: TagNames;
  readonly state: ImportState;
  warn(warning: ImportWarning): void;
  warnPluginOnce(plugin: string, file: string, offset: number): void;
  mergeConfig(values: Record<string, JsonValue>): void;
}

/** Wall time (seconds) in whole milliseconds, rounded half to even as Python's round() does. */
export function wallTimeMs(wallTime: number): number {
  const x = wallTime * 1000;
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** The per-event side of mapping: the event's step, global step and timestamp, and where rows are counted. */
export class EventMapping implements EventContext {
  globalStep = 0;
  timestampMs = 0;
  /** Where the current record starts, for warnings. */
  offset = 0;
  file = '';
  stats: RunPassStats | null = null;
  private eventStep = -1;

  constructor(private readonly importer: MappingOwner) {}

  get batch(): ImportBatch {
    return this.importer.batch;
  }

  get names(): TagNames {
    return this.importer.names;
  }

  startEvent(globalStep: number, timestampMs: number): void {
    this.globalStep = globalStep;
    this.timestampMs = timestampMs;
    this.eventStep = -1;
  }

  step(): number {
    if (this.eventStep < 0) {
      this.eventStep = this.importer.state.next_step++;
      this.batch.addStep(this.eventStep, this.globalStep, this.timestampMs);
    }
    return this.eventStep;
  }

  skip(what: string): void {
    if (this.stats) countSkipped(this.stats, what);
  }

  unknownPlugin(plugin: string): void {
    this.skip(`plugin "${plugin}"`);
    this.importer.warnPluginOnce(plugin, this.file, this.offset);
  }

  invalid(message: string): void {
    this.skip('unreadable values');
    this.importer.warn({ code: 'EDECODE', file: this.file, offset: this.offset, message });
  }

  mergeConfig(values: Record<string, JsonValue>): void {
    this.importer.mergeConfig(values);
  }
}
