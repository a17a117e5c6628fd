/**
 * Where exported bytes go: any Node Writable (a file, stdout, later an HTTP response). Writes wait when the
 * stream asks for it (backpressure), so a slow reader never makes the export buffer the whole table, and
 * a stream error (ENOSPC, EPIPE, a closed connection) surfaces as the error of the next write.
 */
import type { Writable } from 'node:stream';

export class ByteSink {
  private failure: Error | null = null;
  private waiting: { resolve: () => void; reject: (err: Error) => void } | null = null;
  /** Bytes accepted so far. */
  bytes = 0;

  constructor(readonly stream: Writable) {
    stream.on('error', (err) => {
      this.failure ??= err;
      this.waiting?.reject(err);
      this.waiting = null;
    });
    stream.on('drain', () => {
      this.waiting?.resolve();
      this.waiting = null;
    });
    stream.on('close', () => {
      if (this.waiting) {
        this.waiting.reject(this.failure ?? closedEarly());
        this.waiting = null;
      }
    });
  }

  /** Writes a chunk; resolves when the stream can take more. */
  async write(chunk: Uint8Array | string): Promise<void> {
    if (this.failure) throw this.failure;
    if (this.stream.destroyed || this.stream.writableEnded) {
      this.failure ??= closedEarly();
      throw this.failure;
    }
    const size = typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.byteLength;
    if (size === 0) return;
    this.bytes += size;
    if (this.stream.write(chunk)) return;
    await new Promise<void>((resolve, reject) => {
      this.waiting = { resolve, reject };
    });
  }

  /** Ends the stream and waits until everything reached it (for files: written and closed). */
  async end(): Promise<void> {
    if (this.failure) throw this.failure;
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      this.stream.once('error', onError);
      this.stream.end(() => {
        this.stream.off('error', onError);
        if (this.failure) reject(this.failure);
        else resolve();
      });
    });
  }
}

function closedEarly(): Error {
  return Object.assign(new Error('the output was closed before the export ended'), { code: 'EPIPE' });
}
