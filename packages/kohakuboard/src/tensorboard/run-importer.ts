/**
 * Imports one TensorBoard run directory into one KohakuBoard run folder (docs/tensorboard.md#mapping), from
 * where the last import stopped: its event files in name order, each from its saved offset. Every event that
 * carries data gets the next step of the run's counter; its TensorBoard step becomes the global step and its
 * wall time the timestamp. Rows are written in batches, each with the run's import state saved before it
 * (where the batch ends) and after it (docs/tensorboard.md#incremental-import).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  formatPythonIso,
  type JsonValue,
  METADATA_FILE,
  type RunMetadata,
  readMetadataJson,
  serializeMetadataJson,
  writeMetadataJson,
} from '../storage/index.js';
import { VERSION } from '../version.js';
import { EventMapping, type MappingOwner, wallTimeMs } from './event-mapping.js';
import { ImportBatch } from './import-batch.js';
import {
  countRows,
  countSkipped,
  emptyPassStats,
  type ImportTarget,
  type ImportWarning,
  type RunImportHooks,
  type RunPassStats,
} from './import-report.js';
import {
  type EventFileState,
  emptyImportState,
  type ImportState,
  readImportState,
  writeImportState,
} from './import-state.js';
import { EventDecoder, type EventMessage, has, int64ToNumber } from './proto-schema.js';
import { readFirstRecord, readRecords } from './record-reader.js';
import type { EventFileInfo, TensorBoardRun } from './run-discovery.js';
import { ImportedRunWriter } from './run-writer.js';
import { mapSummaryValue } from './summary-mapping.js';
import { TagNames } from './tag-names.js';

/** A batch is written when it holds this many events or this many bytes of media. */
export const BATCH_EVENTS = 65_536;
export const BATCH_BLOB_BYTES = 64 << 20;
/** A run whose event files changed less than this long ago is shown as running. */
export const RUNNING_WINDOW_MS = 300_000;

/** A stable run id for a run directory: 8 characters of [a-z0-9] from a hash of its relative path. */
export function runIdFor(relPath: string): string {
  const n = BigInt(`0x${createHash('sha256').update(`tensorboard:${relPath}`).digest('hex').slice(0, 16)}`);
  return (n % 36n ** 8n).toString(36).padStart(8, '0');
}

export class RunImporter implements MappingOwner {
  readonly runDir: string;
  private readonly runId: string;
  /** Read by the event mapping. */
  state: ImportState;
  /** The state as last saved (the batches written so far). */
  private saved: ImportState;
  /** A batch that an earlier import was writing when it stopped: read again first, to the same ends. */
  private replay: ImportState['pending'] = null;
  names: TagNames;
  batch = new ImportBatch();
  private writer: ImportedRunWriter | null = null;
  private readonly mapping = new EventMapping(this);
  private config: Record<string, JsonValue> = {};
  private configChanged = false;
  private stateDirty = false;
  private lastMetadataText: string | null = null;
  private metadataKey: string | null = null;
  /** The run as listed for the pass in progress (its files' modification times set the status). */
  private listing: TensorBoardRun | null = null;
  private readonly warnedPlugins = new Set<string>();
  /** Why the run folder cannot be used, once known, and whether that was said. */
  private conflict: string | null = null;
  private conflictReported = false;
  private readonly now: () => number;
  private progress: RunImportHooks['progress'];

  constructor(
    private readonly target: ImportTarget,
    readonly relPath: string,
    private readonly hooks: RunImportHooks,
  ) {
    this.now = hooks.now ?? Date.now;
    this.progress = hooks.progress;
    this.runId = runIdFor(relPath);
    this.runDir = join(target.projectDir, this.runId);
    this.state = emptyImportState(target.logDir, relPath);
    if (existsSync(this.runDir)) {
      const saved = readImportState(this.runDir);
      if (!saved || saved.run !== relPath || saved.source !== target.logDir) {
        this.conflict = saved
          ? `it holds the import of run "${saved.run}" of ${saved.source}`
          : 'it is not a folder this importer wrote';
      } else {
        this.state = saved;
        this.replay = saved.pending ?? null;
        this.state.pending = null;
        this.loadMetadata();
      }
    }
    this.saved = structuredClone(this.state);
    this.names = new TagNames(this.state.names);
  }

  /** Replaces the progress callback (called after each record with the pass's bytes and events). */
  setProgress(progress: RunImportHooks['progress']): void {
    this.progress = progress;
  }

  warn(warning: ImportWarning): void {
    this.hooks.warn(warning);
  }

  warnPluginOnce(plugin: string, file: string, offset: number): void {
    if (this.warnedPlugins.has(plugin)) return;
    this.warnedPlugins.add(plugin);
    this.warn({
      code: 'EPLUGIN',
      file,
      offset,
      message: `summary plugin "${plugin}" is not one this importer reads; its values are skipped`,
    });
  }

  mergeConfig(values: Record<string, JsonValue>): void {
    this.config = { ...this.config, ...values };
    this.configChanged = true;
  }

  /** Reads what is new in the run's event files (at most `maxEvents` events) and writes it. */
  pass(run: TensorBoardRun, maxEvents = Number.POSITIVE_INFINITY): RunPassStats {
    const stats = emptyPassStats(this.relPath, this.runDir, this.conflict !== null);
    if (this.conflict !== null) {
      if (!this.conflictReported) {
        this.conflictReported = true;
        this.warn({
          code: 'ECONFLICT',
          file: this.runDir,
          offset: null,
          message: `the run folder for "${this.relPath}" is taken (${this.conflict}); that run is not imported`,
        });
      }
      return stats;
    }
    for (const kind of run.unmappedFiles) countSkipped(stats, kind);
    this.mapping.stats = stats;
    this.listing = run;
    try {
      if (this.replay) this.replayPending(run, stats);
      for (const file of run.files) {
        if (!this.readFile(file, stats, maxEvents)) {
          stats.more = true;
          break;
        }
      }
      this.flush();
      this.updateMetadata();
    } finally {
      this.mapping.stats = null;
    }
    return stats;
  }

  async close(): Promise<void> {
    const w = this.writer;
    this.writer = null;
    await w?.close();
  }

  /** Reads the batch an earlier import was writing when it stopped, to the same ends, and writes it. */
  private replayPending(run: TensorBoardRun, stats: RunPassStats): void {
    const pending = this.replay!;
    for (const file of run.files) {
      const end = pending.files[file.name];
      if (!end) continue;
      this.readFile(file, stats, Number.POSITIVE_INFINITY, end.offset);
      this.state.files[file.name] = { ...end };
    }
    this.state.next_step = Math.max(this.state.next_step, pending.next_step);
    this.stateDirty = true;
    this.flush();
    this.replay = null;
  }

  /** Reads one event file from its cursor; false when the event budget stopped it before its end. */
  private readFile(
    file: EventFileInfo,
    stats: RunPassStats,
    maxEvents: number,
    until = Number.POSITIVE_INFINITY,
  ): boolean {
    if (stats.events >= maxEvents) return false;
    const fs: EventFileState = this.state.files[file.name] ?? { offset: 0, resync: false, head: null };
    if (fs.replaced || file.size === fs.offset) return true;
    this.state.files[file.name] = fs;
    this.stateDirty = true;
    if (file.size < fs.offset || (fs.head !== null && fs.offset > 0 && headOf(file.path) !== fs.head)) {
      fs.replaced = true;
      this.warn({
        code: 'EREPLACED',
        file: file.path,
        offset: null,
        message:
          file.size < fs.offset
            ? `the file is shorter (${file.size} bytes) than what was imported (${fs.offset} bytes); it is not read again`
            : 'the file starts with another record than when it was imported; it is not read again',
      });
      return true;
    }
    const mapping = this.mapping;
    mapping.file = file.path;
    const started = fs.offset;
    const bytesBefore = stats.bytes;
    const decoder = new EventDecoder();
    const result = readRecords(
      file.path,
      fs,
      {
        record: (buf, dataStart, dataEnd, offset, end) => {
          if (offset === 0) fs.head = fingerprint(buf.subarray(dataStart, dataEnd));
          let event: EventMessage | null = null;
          try {
            event = decoder.decode(buf, dataStart, dataEnd);
          } catch (err) {
            this.warn({
              code: 'EDECODE',
              file: file.path,
              offset,
              message: `the event cannot be decoded (${(err as Error).message}); it is skipped`,
            });
          }
          if (event) {
            mapping.offset = offset;
            this.mapEvent(event, stats);
          }
          fs.offset = end;
          fs.resync = false;
          this.stateDirty = true;
          stats.events++;
          this.batch.events++;
          if ((stats.events & 1023) === 0) this.progress?.(bytesBefore + end - started, stats.events);
          if (this.batch.events >= BATCH_EVENTS || this.batch.blobBytes >= BATCH_BLOB_BYTES) this.flush();
          return stats.events < maxEvents;
        },
        damage: (d) => {
          this.warn({
            code: 'EDAMAGED',
            file: file.path,
            offset: d.offset,
            message:
              d.resumedAt === null
                ? `${d.problem}; nothing readable follows yet`
                : `${d.problem}; reading resumed at offset ${d.resumedAt}`,
          });
        },
      },
      until,
    );
    fs.offset = result.cursor.offset;
    fs.resync = result.cursor.resync;
    this.stateDirty = true;
    stats.bytes = bytesBefore + (fs.offset - started);
    this.progress?.(stats.bytes, stats.events);
    return !result.stopped;
  }

  private mapEvent(event: EventMessage, stats: RunPassStats): void {
    const ts = wallTimeMs(event.wallTime);
    const state = this.state;
    if (state.first_wall_time_ms === null) state.first_wall_time_ms = ts;
    if (state.last_wall_time_ms === null || ts > state.last_wall_time_ms) state.last_wall_time_ms = ts;
    this.mapping.startEvent(int64ToNumber(event.step), ts);
    // file_version, session_log and log_message events carry no data.
    if (event.summary) for (const v of event.summary.value) mapSummaryValue(v, this.mapping);
    else if (has(event, 'graphDef') || has(event, 'metaGraphDef')) countSkipped(stats, 'graphs');
    else if (has(event, 'taggedRunMetadata')) countSkipped(stats, 'run metadata');
  }

  /** Writes the batch (creating the run folder on its first data) and saves the import state. */
  private flush(): void {
    const batch = this.batch;
    this.batch = new ImportBatch();
    if (this.mapping.stats) countRows(this.mapping.stats, batch);
    const hasRows = batch.steps.n > 0;
    if (!this.writer && (hasRows || this.configChanged)) {
      this.writer = this.openWriter();
      this.updateMetadata(); // the folder is a run (and visible to the viewer) from its first data on
    }
    if (!this.writer || !this.stateDirty) return;
    this.state.names = this.names.all();
    if (hasRows) {
      // Where this batch ends, saved before its rows are written (see ImportState.pending).
      const pending = { files: structuredClone(this.state.files), next_step: this.state.next_step };
      writeImportState(this.runDir, { ...this.saved, pending });
      this.writer.commit(batch);
    }
    writeImportState(this.runDir, this.state);
    this.saved = structuredClone(this.state);
    this.stateDirty = false;
  }

  private openWriter(): ImportedRunWriter {
    mkdirSync(this.target.projectDir, { recursive: true });
    try {
      mkdirSync(this.runDir);
      // A state from the start, before any data: an import that stops before saving its own state leaves a
      // folder that the next import recognises and completes (the data files tell how far it got).
      writeImportState(this.runDir, emptyImportState(this.target.logDir, this.relPath));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    return new ImportedRunWriter(this.runDir);
  }

  private loadMetadata(): void {
    try {
      this.lastMetadataText = readFileSync(join(this.runDir, METADATA_FILE), 'utf8');
      const config = readMetadataJson(this.runDir).config;
      if (config && typeof config === 'object' && !Array.isArray(config)) this.config = config;
    } catch {
      /* a missing or unreadable metadata.json is written anew */
    }
  }

  /** Rewrites metadata.json when its content changes (new data, config, status). */
  private updateMetadata(): void {
    const run = this.listing;
    if (!run) return;
    const s = this.state;
    const lastChange = run.files.reduce((m, f) => Math.max(m, f.mtimeMs), 0);
    const running = this.now() - lastChange < RUNNING_WINDOW_MS;
    // What the document depends on: a follower looks at every run several times a second.
    const key = `${lastChange}|${running}|${s.first_wall_time_ms}|${s.last_wall_time_ms}|${this.configChanged}`;
    if (key === this.metadataKey) return;
    if (!this.writer && !existsSync(this.runDir)) return;
    this.metadataKey = key;
    const endMs = s.last_wall_time_ms ?? Math.round(lastChange);
    const metadata: RunMetadata = {
      name: this.relPath,
      config: this.config,
      created_at: formatPythonIso(s.first_wall_time_ms ?? Math.round(lastChange)),
      project: this.target.project,
      finished_at: running ? null : formatPythonIso(endMs),
      run_id: this.runId,
      annotation: null,
      status: running ? 'running' : 'finished',
      version: VERSION,
      updated_at: formatPythonIso(running ? Math.round(lastChange) : endMs),
    };
    const text = serializeMetadataJson(metadata);
    if (text === this.lastMetadataText) return;
    writeMetadataJson(this.runDir, metadata);
    this.lastMetadataText = text;
    this.configChanged = false;
  }
}

function headOf(path: string): string | null {
  const first = readFirstRecord(path);
  return first ? fingerprint(first) : null;
}

function fingerprint(firstRecord: Uint8Array): string {
  return createHash('sha256').update(firstRecord).digest('hex').slice(0, 32);
}
