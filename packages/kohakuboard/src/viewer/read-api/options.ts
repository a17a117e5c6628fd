/**
 * What the read API plugin is given (SERVER.md §5.6): a run index and an access check. The viewer passes its
 * file-system index and an allow-all check; a team server passes its own.
 */
import type { FastifyRequest } from 'fastify';
import type { IndexChange, ProjectInfo } from '../../reader/run-index.js';
import type { RunRecord } from '../../reader/run-record.js';
import type { ReaderContext } from '../../reader/scalar-source.js';
import type { EventHub } from '../events/event-hub.js';
import type { Executor } from '../work/executor.js';

/** The index operations the routes use. */
export interface RunIndexLike {
  readonly indexing: boolean;
  projects(): ProjectInfo[];
  /** Runs in the default order; null for an unknown project. */
  projectRuns(project: string): readonly RunRecord[] | null;
  resolve(project: string, runIdOrFolder: string): RunRecord | null;
  findBoard(board: string): RunRecord | null;
  refreshRun(key: string): RunRecord | null;
  renameRun(key: string, newDir: string, newFolder: string): RunRecord | null;
  onChange(listener: (change: IndexChange) => void): () => void;
}

export type Principal = unknown;

export interface AccessCheck {
  principal(req: FastifyRequest): Promise<Principal | null>;
  canReadProject(p: Principal | null, project: string): boolean;
  canReadRun(p: Principal | null, run: RunRecord): boolean;
  canWriteRun(p: Principal | null, run: RunRecord): boolean;
}

/** The local viewer's check: everything is allowed (no authentication, API.md §0.1). */
export const ALLOW_ALL: AccessCheck = {
  principal: async () => null,
  canReadProject: () => true,
  canReadRun: () => true,
  canWriteRun: () => true,
};

export interface ReadApiOptions {
  index: RunIndexLike;
  access: AccessCheck;
  systemInfo(req: FastifyRequest): object;
  executor: Executor;
  /** This thread's reader (media blobs, log files, event details). */
  reader: ReaderContext;
  events?: EventHub | null;
  readOnly?: boolean;
}
