/**
 * A TCP proxy on 127.0.0.1 (port 0) in front of a server port, for fault tests: it passes bytes through,
 * tells when a request starts or an answer comes back (so a test can stop the server at that moment), and
 * can cut the path: open connections are dropped, the request of the next connection reaches the server
 * but its answer never reaches the client, and every later connection is reset until the path is healed.
 */
import { connect, createServer, type Socket } from 'node:net';

export interface FaultProxy {
  url: string;
  /** Connections reset while the path was cut. */
  readonly refused: number;
  /** Requests that reached the server while the path was cut, whose answers were dropped. */
  readonly answersDropped: number;
  /** Resolves when the next request starts to flow towards the server. */
  nextRequest(): Promise<void>;
  /** Resolves when the next answer starts to flow back to the client. */
  nextAnswer(): Promise<void>;
  cut(): void;
  heal(): void;
  close(): Promise<void>;
}

type Mode = 'pass' | 'drop-answer' | 'refuse';

export async function startFaultProxy(targetPort: number): Promise<FaultProxy> {
  let mode: Mode = 'pass';
  let refused = 0;
  let answersDropped = 0;
  const open = new Set<Socket>();
  let requestWaiters: Array<() => void> = [];
  let answerWaiters: Array<() => void> = [];
  const fire = (waiters: Array<() => void>) => {
    for (const w of waiters) w();
  };

  const server = createServer((client) => {
    if (mode === 'refuse') {
      refused++;
      client.resetAndDestroy();
      return;
    }
    const dropAnswer = mode === 'drop-answer';
    if (dropAnswer) mode = 'refuse';
    const upstream = connect(targetPort, '127.0.0.1');
    open.add(client);
    open.add(upstream);
    const end = () => {
      open.delete(client);
      open.delete(upstream);
      client.destroy();
      upstream.destroy();
    };
    for (const s of [client, upstream]) {
      s.on('error', end);
      s.on('close', end);
    }
    client.on('data', (chunk) => {
      if (!upstream.write(chunk)) client.pause();
      const waiters = requestWaiters;
      requestWaiters = [];
      fire(waiters);
    });
    upstream.on('drain', () => client.resume());
    upstream.on('data', (chunk) => {
      if (dropAnswer) {
        answersDropped++;
        client.resetAndDestroy();
        end();
        return;
      }
      if (!client.write(chunk)) upstream.pause();
      const waiters = answerWaiters;
      answerWaiters = [];
      fire(waiters);
    });
    client.on('drain', () => upstream.resume());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('the proxy has no port');

  return {
    url: `http://127.0.0.1:${address.port}`,
    get refused() {
      return refused;
    },
    get answersDropped() {
      return answersDropped;
    },
    nextRequest: () => new Promise<void>((r) => requestWaiters.push(r)),
    nextAnswer: () => new Promise<void>((r) => answerWaiters.push(r)),
    cut() {
      mode = 'drop-answer';
      for (const s of open) s.destroy();
      open.clear();
    },
    heal() {
      mode = 'pass';
    },
    close() {
      for (const s of open) s.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
