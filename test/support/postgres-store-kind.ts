import { Pool } from 'pg';
import type { QrLoginStore } from '../../lib';
import { ensurePostgresQrLoginSchema, PostgresQrLoginStore } from '../../lib/stores/postgres';
import { startPostgresServer, type PostgresServer } from './postgres-server';
import type { StoreKind } from './stores';

/** How often the test stores sweep expired rows (ms): short, so "frees what it held" is seen within a test. */
export const TEST_SWEEP_INTERVAL_MS = 250;

let server: PostgresServer | undefined;
let starting: Promise<PostgresServer> | undefined;

async function startWithSchema(): Promise<PostgresServer> {
  const started = await startPostgresServer();
  const pool = new Pool({ connectionString: started.url, max: 1 });
  try {
    await ensurePostgresQrLoginSchema(pool);
  } finally {
    await pool.end();
  }
  return started;
}

/** Rows the store's tables still hold for a code: its record and its versions. */
export async function rowsOf(store: PostgresQrLoginStore, id: string): Promise<number> {
  const { rows } = await store.pool.query<{ n: string }>(
    `SELECT (SELECT count(*) FROM ${store.tables.codes} WHERE id = $1) + (SELECT count(*) FROM ${store.tables.changes} WHERE id = $1) AS n`,
    [id],
  );
  return Number(rows[0].n);
}

/**
 * One real PostgreSQL per test file (initdb in a temporary directory, started
 * in setup, removed in teardown), with the store's tables created once.
 * Every store it makes uses the same database and tables, so two apps made
 * from it share their codes like two instances behind a load balancer.
 */
export const postgresStoreKind: StoreKind = {
  name: 'postgres',
  setup: async () => {
    starting ??= startWithSchema();
    server = await starting;
  },
  make: () => {
    if (!server)
      throw new Error('postgresStoreKind.make() was called before setup() finished; await setup() in beforeAll.');
    return new PostgresQrLoginStore({
      connectionString: server.url,
      sweepInterval: TEST_SWEEP_INTERVAL_MS,
      // Suites fire 200 concurrent requests at a 10-connection pool on a shared 2-core machine: queueing
      // there must not turn into 503s. An unreachable database still fails at once (connection refused).
      callTimeout: 5_000,
    });
  },
  teardown: async () => {
    const started = starting;
    starting = undefined;
    server = undefined;
    // A failed start was reported by setup already.
    await (await started?.catch(() => undefined))?.stop();
  },
  outage: {
    keepsData: true,
    stop: async () => server!.pause(),
    start: async () => server!.start(),
  },
  holds: async (store: QrLoginStore, id: string) => (await rowsOf(store as PostgresQrLoginStore, id)) > 0,
};
