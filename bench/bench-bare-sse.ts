import { createServer } from 'node:http';
import type { FromServer, ToServer } from './bench.protocol';

/*
 * The reference for an idle event stream: a bare `node:http` server, no
 * framework, that answers every request with SSE headers and one event, then
 * holds the response open. Run as its own process so its memory per stream
 * is measured the way the app's is (RSS and heap after GC, before and after).
 */

const send = (message: FromServer) => process.send?.(message);
const gc = () => (globalThis as { gc?: () => void }).gc?.();

const server = createServer((request, response) => {
  request.socket.setKeepAlive(true);
  request.socket.setNoDelay(true);
  request.socket.setTimeout(0);
  response.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-store',
    connection: 'keep-alive',
  });
  response.write('id: 1\ndata: {"status":"PENDING"}\n\n');
});
server.requestTimeout = 0;
server.headersTimeout = 0;
server.keepAliveTimeout = 60_000;
server.maxConnections = 0;

process.on('message', (message: ToServer) => {
  if (message.type !== 'memory') return;
  if (message.gc) {
    gc();
    gc();
  }
  const usage = process.memoryUsage();
  send({ type: 'memory', rss: usage.rss, heapUsed: usage.heapUsed });
});
process.on('disconnect', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  send({ type: 'ready', port: typeof address === 'object' && address ? address.port : 0 });
});
