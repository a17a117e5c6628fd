/**
 * What the read API plugin is given (docs/api.md#read-api-plugin): a run index, an access check and the
 * system info, plus the services it reads with. The local viewer passes its file-system index and an
 * allow-all check; the team server passes its own index and a check of its accounts and rights.
 *
 * Where this differs from docs/api.md#read-api-plugin, and why:
 * - the index has no `changes(afterSeq)`: the local viewer's event stream is fed by the file-system
 *   index's change listener through an EventHub, which is passed as `events`;
 * - the index also offers `findBoard` (docs/api.md#media-by-id) and `refreshRun`/`renameRun` (PATCH,
 *   docs/api.md#renaming-a-run), which docs/api.md#read-api-plugin leaves to the server's own routes;
 * - `executor` (the worker pool of docs/api.md#work-off-the-event-loop), `reader` (this thread's handles and
 *   caches) and `readOnly` (`--read-only`) are services and settings, not part of the access model.
 */
import type { FastifyRequest } from 'fastify';
import type { ProjectInfo } from '../../reader/run-index.js';
import type { RunRecord } from '../../reader/run-record.js';
import type { ReaderContext } from '../../reader/scalar-source.js';
import type { EventHub } from '../events/event-hub.js';
import type { Executor } from '../worker-pool/executor.js';

/** The run index operations the routes use (docs/api.md#read-api-plugin `RunIndex`). */
export interface ReadIndex {
  /** True while the first scan is running (listings may be incomplete). */
  readonly indexing: boolean;
  /** Projects that have runs, by key in code-point order. */
  projects(): ProjectInfo[];
  /** The runs of a project in the default order (docs/api.md#run-records); null for an unknown project. */
  runs(projectKey: string): readonly RunRecord[] | null;
  /** docs/api.md#run-resolution: a run by its folder name or its run_id part; null when there is none. */
  resolve(projectKey: string, runIdOrFolder: string): RunRecord | null;
  /** The run's folder on disk. */
  runDir(run: RunRecord): string;
  /** docs/api.md#media-by-id: the first run named `board` over all projects that `visible` accepts. */
  findBoard(board: string, visible: (run: RunRecord) => boolean): RunRecord | null;
  /** Re-reads a run after PATCH rewrote its metadata.json. */
  refreshRun(key: string): RunRecord | null;
  /** Moves a run to a renamed folder after PATCH. */
  renameRun(key: string, newDir: string, newFolder: string): RunRecord | null;
  /**
   * A text that changes whenever the run's data changes (metric summaries are cached under it). Without it,
   * the stamps of the record's step index are used (docs/api.md#metric-summaries).
   */
  dataVersion?(run: RunRecord): string;
}

/** Who is asking; the local viewer has no accounts and always passes null. */
export type Principal = unknown;

/**
 * The access check (docs/server.md#permissions, docs/api.md#read-api-plugin). Every route consults it;
 * whatever the caller may not read answers exactly like what does not exist (404), and a run it may read but
 * not write answers PATCH with 403.
 */
export interface AccessCheck {
  principal(req: FastifyRequest): Promise<Principal | null>;
  /** The project key that a `{project}` URL segment names (the team server maps bare names to `owner/name`). */
  projectKey(req: FastifyRequest, segment: string): string;
  canReadProject(p: Principal | null, projectKey: string): boolean;
  canReadRun(p: Principal | null, run: RunRecord): boolean;
  canWriteRun(p: Principal | null, run: RunRecord): boolean;
}

/**
 * The local viewer's check: no authentication (docs/api.md#server-and-cors), every project and run readable
 * and writable.
 */
export const ALLOW_ALL: AccessCheck = {
  principal: async () => null,
  projectKey: (_req, segment) => segment,
  canReadProject: () => true,
  canReadRun: () => true,
  canWriteRun: () => true,
};

export interface ReadApiOptions {
  index: ReadIndex;
  access: AccessCheck;
  systemInfo(req: FastifyRequest): object;
  /** Where slow reads run (docs/api.md#work-off-the-event-loop). */
  executor: Executor;
  /** This thread's reader (media sizes, ids and event details). */
  reader: ReaderContext;
  /** The event stream's hub; without one, `/api/events` is not served. */
  events?: EventHub | null;
  /** `--read-only`: PATCH answers 405 read_only. */
  readOnly?: boolean;
}
