/**
 * The writer's rewrites of metadata.json (docs/format.md#metadata-writes, docs/client.md#heartbeat): the
 * heartbeat every 30 s while running, and the final document (status, finished_at, updated_at, the
 * re-serialised config) at finish. Every write is atomic (unique temporary name and rename).
 */
import { formatPythonIso, type RunMetadata, writeMetadataJson } from '../storage/index.js';

export const HEARTBEAT_MS = 30_000;

/** The stored document: the client's keys, then any extra key of docs/format.md#extra-metadata-keys. */
export type RunMetadataDocument = RunMetadata & { machine?: unknown };

export class RunMetadataFile {
  private lastWrite: number;

  constructor(
    private readonly runDir: string | null,
    private metadata: RunMetadataDocument,
    startedAtMs: number,
  ) {
    this.lastWrite = startedAtMs;
  }

  dueAt(): number {
    return this.lastWrite + HEARTBEAT_MS;
  }

  heartbeat(now: number): void {
    if (now < this.dueAt()) return;
    this.lastWrite = now;
    this.metadata = { ...this.metadata, updated_at: formatPythonIso(now) };
    this.write();
  }

  /** Builds the final document; `write()` then stores it. */
  finalize(status: RunMetadata['status'], finishedAtMs: number, config: unknown): void {
    const at = formatPythonIso(finishedAtMs);
    this.metadata = {
      ...this.metadata,
      config: config === undefined ? this.metadata.config : config,
      finished_at: at,
      status,
      updated_at: at,
    };
  }

  /** Adds the machine description (docs/client.md#machine-description) and writes the file at once. */
  addMachine(machine: unknown): void {
    this.metadata = { ...this.metadata, machine };
    this.write();
  }

  write(): void {
    if (this.runDir !== null) writeMetadataJson(this.runDir, this.metadata);
  }

  get current(): RunMetadataDocument {
    return this.metadata;
  }
}
