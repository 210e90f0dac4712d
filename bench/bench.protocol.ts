/** Messages between the benchmark driver and a server child, over Node's IPC channel. */
export type ToServer =
  | { type: 'memory'; gc: boolean }
  | { type: 'stats' }
  | { type: 'fill'; count: number }
  | { type: 'storeCalls'; reset: boolean }
  | { type: 'cpu' }
  | { type: 'leak'; count: number }
  | { type: 'render'; count: number; format: 'svg' | 'png' };

export type FromServer =
  | { type: 'ready'; port: number }
  | { type: 'memory'; rss: number; heapUsed: number }
  | { type: 'stats'; activeWatches: number; openStreams: number; liveCodes?: number }
  | { type: 'fill'; liveCodes: number; heapUsed: number; ms: number }
  | { type: 'storeCalls'; calls: number }
  /** CPU time the process used since it started (process.cpuUsage), µs. */
  | { type: 'cpu'; userUs: number; systemUs: number }
  | { type: 'render'; perCodeUs: number }
  | {
      type: 'leak';
      baselineHeap: number;
      peakHeap: number;
      afterHeap: number;
      storeSize?: number;
      storeTimers?: number;
      expiryChecks: number;
      ms: number;
    };

/** How a server child is configured, passed as one JSON argument. */
export interface ServerConfig {
  adapter: 'express' | 'fastify';
  store: 'memory' | 'redis' | 'postgres';
  redisUrl?: string;
  /** Startup nodes of a Redis Cluster: the Redis store then runs on it (sharded pub/sub) instead of `redisUrl`. */
  redisCluster?: Array<{ host: string; port: number }>;
  /** Connection URL of a database whose QR login tables exist already. */
  postgresUrl?: string;
  qrCodeTtl?: number;
  /** The module's `imageUrl` option (default `'data'`). */
  imageUrl?: 'data' | 'route';
  /** The memory store's `maxCodes` (default that of the store). */
  maxCodes?: number;
}

/** App users of the benchmark server, by bearer token. */
export const BENCH_TOKENS = { alice: 'bench-alice', bob: 'bench-bob' } as const;
