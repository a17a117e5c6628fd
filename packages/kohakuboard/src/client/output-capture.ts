/**
 * The process-wide output capture hub (docs/client.md#output-capture). While at least one board captures, it
 * wraps process.stdout.write and process.stderr.write: every write first goes unchanged to the original
 * function (arguments, callback and return value preserved), then the chunk is forwarded to every capturing
 * board. The boards' own console messages use the original functions and are therefore not captured.
 */
export type OutputStream = 'stdout' | 'stderr';
export type OutputSink = (stream: OutputStream, data: string | Uint8Array) => void;

type WriteFn = typeof process.stdout.write;

const sinks = new Set<OutputSink>();
let installed: { stdout: WriteFn; stderr: WriteFn; wrappers: { stdout: WriteFn; stderr: WriteFn } } | null =
  null;

function forward(stream: OutputStream, chunk: unknown, encoding: unknown): void {
  let data: string | Uint8Array;
  if (typeof chunk === 'string') {
    const enc = typeof encoding === 'string' ? encoding.toLowerCase() : 'utf8';
    data =
      enc === 'utf8' || enc === 'utf-8' ? chunk : new Uint8Array(Buffer.from(chunk, enc as BufferEncoding));
  } else if (chunk instanceof Uint8Array) {
    data = new Uint8Array(chunk); // the caller may reuse its buffer
  } else {
    return;
  }
  for (const sink of sinks) {
    try {
      sink(stream, data);
    } catch {
      // Capturing must never break the program's own output.
    }
  }
}

function wrap(stream: OutputStream, original: WriteFn): WriteFn {
  return function (this: NodeJS.WriteStream, ...args: unknown[]) {
    const result = (original as (...a: unknown[]) => boolean).apply(this, args);
    if (sinks.size > 0) forward(stream, args[0], args[1]);
    return result;
  } as WriteFn;
}

export function addOutputSink(sink: OutputSink): void {
  sinks.add(sink);
  if (installed) return;
  const stdout = process.stdout.write;
  const stderr = process.stderr.write;
  const wrappers = { stdout: wrap('stdout', stdout), stderr: wrap('stderr', stderr) };
  process.stdout.write = wrappers.stdout;
  process.stderr.write = wrappers.stderr;
  installed = { stdout, stderr, wrappers };
}

export function removeOutputSink(sink: OutputSink): void {
  sinks.delete(sink);
  if (!installed || sinks.size > 0) return;
  // Put the originals back unless someone wrapped ours since; then our wrapper stays and passes through.
  if (process.stdout.write === installed.wrappers.stdout) process.stdout.write = installed.stdout;
  if (process.stderr.write === installed.wrappers.stderr) process.stderr.write = installed.stderr;
  if (process.stdout.write === installed.stdout && process.stderr.write === installed.stderr)
    installed = null;
}

/** Writes to the terminal's stderr without being captured. */
export function writeUncapturedStderr(text: string): void {
  try {
    (installed ? installed.stderr : process.stderr.write).call(process.stderr, text);
  } catch {
    // stderr closed: nothing to do
  }
}
