/**
 * Uploads the blobs a `/log` answer names as missing (docs/server.md#media-upload), from `media/blobs.db`,
 * in requests of bounded size. Returns the hashes that could not be stored, so they are tried again later.
 */
import { existsSync } from 'node:fs';
import { kvGet, openReadOnly, readMediaFormats, runPaths } from '../storage/index.js';
import type { SyncHttp } from './http-client.js';

const MAX_FILES_PER_REQUEST = 500;
const MAX_BYTES_PER_REQUEST = 64 * 1024 * 1024;

export interface MediaUploadResult {
  uploaded: number;
  bytes: number;
  /** Hashes not stored: absent locally, or refused by the server. */
  failed: string[];
  problems: string[];
}

export async function uploadMissingMedia(
  http: SyncHttp,
  runDir: string,
  hashes: readonly string[],
): Promise<MediaUploadResult> {
  const result: MediaUploadResult = { uploaded: 0, bytes: 0, failed: [], problems: [] };
  if (!hashes.length) return result;
  const paths = runPaths(runDir);
  const meta = existsSync(paths.metadataDb) ? openReadOnly(paths.metadataDb) : null;
  const formats = meta ? readMediaFormats(meta.db, hashes) : new Map<string, string>();
  meta?.close();
  const blobs = existsSync(paths.blobsDb) ? openReadOnly(paths.blobsDb) : null;
  try {
    let batch: Array<{ hash: string; name: string; bytes: Uint8Array }> = [];
    let batchBytes = 0;
    const flush = async () => {
      if (!batch.length) return;
      const answer = await http.postMedia(batch);
      const refused = new Map<string, string>(
        (answer.json?.rejected ?? []).map((r: { filename: string; code: string }) => [r.filename, r.code]),
      );
      for (const f of batch) {
        const code = refused.get(f.name);
        if (code) {
          result.failed.push(f.hash);
          result.problems.push(`the server refused the blob ${f.name}: ${code}`);
        } else {
          result.uploaded++;
          result.bytes += f.bytes.length;
        }
      }
      batch = [];
      batchBytes = 0;
    };
    for (const hash of hashes) {
      const format = formats.get(hash);
      const bytes = format && blobs ? kvGet(blobs.db, `${hash}.${format}`) : undefined;
      if (!format || !bytes) {
        result.failed.push(hash);
        result.problems.push(`the blob ${hash} is not in ${paths.blobsDb}`);
        continue;
      }
      if (
        batch.length &&
        (batch.length >= MAX_FILES_PER_REQUEST || batchBytes + bytes.length > MAX_BYTES_PER_REQUEST)
      )
        await flush();
      batch.push({ hash, name: `${hash}.${format}`, bytes });
      batchBytes += bytes.length;
    }
    await flush();
  } finally {
    blobs?.close();
  }
  return result;
}
