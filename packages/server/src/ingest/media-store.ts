/**
 * Blobs of a media upload (docs/server.md#media-upload), already streamed to temporary files: each one's
 * content hash must be its name's, a media row of the run must name it, and it must not start with the
 * bytes 89 4B. Blobs already stored are skipped; the others go into `media/blobs.db` in one transaction.
 */
import { readFileSync } from 'node:fs';
import { mediaHash, startsWithKvHeaderMagic } from 'kohakuboard/storage';
import type { RunFiles } from './run-files.js';

export interface IncomingBlob {
  /** `<media_hash>.<format>`, already checked against its pattern. */
  key: string;
  path: string;
}

export interface MediaStoreResult {
  uploaded: string[];
  skipped: string[];
  rejected: Array<{ filename: string; code: 'hash_mismatch' | 'not_referenced' | 'invalid_media' }>;
}

export function storeMediaBlobs(files: RunFiles, blobs: IncomingBlob[]): MediaStoreResult {
  const out: MediaStoreResult = { uploaded: [], skipped: [], rejected: [] };
  const rows = files.metadataDb().rows;
  const accepted: Array<{ key: string; bytes: Buffer }> = [];
  for (const b of blobs) {
    const dot = b.key.indexOf('.');
    const hash = b.key.slice(0, dot);
    const format = b.key.slice(dot + 1);
    if (!rows.hasMedia(hash, format)) {
      out.rejected.push({ filename: b.key, code: 'not_referenced' });
      continue;
    }
    const bytes = readFileSync(b.path);
    if (mediaHash(bytes) !== hash) out.rejected.push({ filename: b.key, code: 'hash_mismatch' });
    else if (startsWithKvHeaderMagic(bytes)) out.rejected.push({ filename: b.key, code: 'invalid_media' });
    else accepted.push({ key: b.key, bytes });
  }
  if (accepted.length > 0) {
    const kv = files.kvault(null);
    kv.db
      .transaction(() => {
        for (const a of accepted) {
          if (kv.putIfAbsent(a.key, a.bytes)) out.uploaded.push(a.key);
          else out.skipped.push(a.key);
        }
      })
      .immediate();
  }
  return out;
}
