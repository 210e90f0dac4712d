import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/*
 * Ports below the kernel's ephemeral range, for servers the tests start and
 * restart. A port that listen(0) hands out lies inside that range, where any
 * process on the machine may be given it for its own listen(0) or outgoing
 * connection between the check and the server's bind, or while an outage test
 * has the server stopped; the server then fails with "Address already in use"
 * (seen on a loaded machine, for a single Redis and for a Cluster node). No
 * process is handed a port below the range unless it asks for it by number.
 */
const FIXED_PORT_FLOOR = 10_000;

function ephemeralFloor(): number {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    if (Number.isInteger(low) && low > FIXED_PORT_FLOOR + 1_000) return low;
  } catch {
    // Not Linux: the IANA dynamic range starts at 49152.
  }
  return 49_152;
}

/**
 * A port nobody listens on, below the ephemeral range, such that `port + offset`
 * is free and below it too for every offset given (a Redis Cluster node's bus
 * port is its port + 10000).
 */
export async function freeFixedPort(offsets: readonly number[] = [0]): Promise<number> {
  const ceiling = ephemeralFloor() - Math.max(0, ...offsets);
  if (ceiling <= FIXED_PORT_FLOOR)
    throw new Error(`no room below the ephemeral range for offsets ${offsets.join(', ')}`);
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = FIXED_PORT_FLOOR + Math.floor(Math.random() * (ceiling - FIXED_PORT_FLOOR));
    if ((await Promise.all(offsets.map((offset) => canListen(port + offset)))).every(Boolean)) return port;
  }
  throw new Error(`no free port between ${FIXED_PORT_FLOOR} and ${ceiling} after 50 tries`);
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}
