import { createConnection, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP relay on a loopback port in front of a server, which can hold back
 * what the server sends to its clients: the order in which a client's
 * requests reach the server can then be checked while their answers wait.
 * What clients send always goes straight through.
 */
export interface ReplyGate {
  /** The relay's port: connect here instead of to the server. */
  port: number;
  /** From now on, keeps what the server sends. */
  hold(): void;
  /** How many chunks from the server are kept, waiting. */
  waiting(): number;
  /** Passes on what was kept so far, and keeps holding what comes after. */
  step(): void;
  /** Passes on what was kept, and stops holding. */
  open(): void;
  /** Closes the relay and every connection through it. */
  close(): Promise<void>;
}

export async function startReplyGate(targetPort: number): Promise<ReplyGate> {
  let held = false;
  const pairs: Array<{ client: Socket; upstream: Socket; kept: Buffer[] }> = [];
  const server: Server = createServer((client) => {
    const upstream = createConnection({ host: '127.0.0.1', port: targetPort });
    const pair = { client, upstream, kept: [] as Buffer[] };
    pairs.push(pair);
    client.pipe(upstream);
    upstream.on('data', (chunk: Buffer) => (held ? pair.kept.push(chunk) : client.write(chunk)));
    for (const socket of [client, upstream]) {
      socket.on('error', () => undefined);
      socket.on('close', () => {
        client.destroy();
        upstream.destroy();
      });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const flush = () => {
    for (const pair of pairs) for (const chunk of pair.kept.splice(0)) pair.client.write(chunk);
  };
  return {
    port: (server.address() as { port: number }).port,
    hold: () => (held = true),
    waiting: () => pairs.reduce((count, pair) => count + pair.kept.length, 0),
    step: flush,
    open: () => {
      held = false;
      flush();
    },
    close: async () => {
      for (const { client, upstream } of pairs) {
        client.destroy();
        upstream.destroy();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
