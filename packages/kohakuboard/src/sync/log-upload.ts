/**
 * The run's log files (docs/server.md#log-file-upload): each one whose SHA-256 differs from what the server
 * or the sync state last acknowledged is uploaded whole.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runPaths } from '../storage/index.js';
import type { SyncHttp } from './http-client.js';
import { sha256Hex } from './run-source.js';
import type { SyncState } from './sync-state.js';

export const LOG_FILES = [
  'output.log',
  'board.log',
  'writer.log',
  'sync_worker.log',
  'storage.log',
  'media.log',
] as const;

export interface LogUploadResult {
  uploaded: string[];
  bytes: number;
}

/** Uploads changed logs; `serverHashes` are the last answer's `log_hashes`. Updates `state` as it goes. */
export async function uploadChangedLogs(
  http: SyncHttp,
  runDir: string,
  state: SyncState,
  serverHashes: Record<string, string>,
  onAcknowledged: () => void,
): Promise<LogUploadResult> {
  const result: LogUploadResult = { uploaded: [], bytes: 0 };
  const dir = runPaths(runDir).logsDir;
  for (const file of LOG_FILES) {
    const path = join(dir, file);
    if (!existsSync(path)) continue;
    const bytes = readFileSync(path);
    const hash = sha256Hex(bytes);
    const key = `log_hash_${file}` as const;
    if (state[key] === hash) continue;
    if (serverHashes[file] !== hash) {
      await http.putLog(file, bytes);
      result.uploaded.push(file);
      result.bytes += bytes.length;
    }
    state[key] = hash;
    onAcknowledged();
  }
  return result;
}
