import { type QrLoginStore } from '../lib';
import { PostgresQrLoginStore } from '../lib/stores/postgres';
import { RedisQrLoginStore } from '../lib/stores/redis';

/**
 * The store the sample runs on: undefined (the module's in-memory default)
 * unless `REDIS_URL` or `DATABASE_URL` (a `postgres://` URL) is set, so
 * several instances can share codes. Both at once is refused: the codes live
 * in one store.
 */
export function storeFromEnv(env: NodeJS.ProcessEnv): QrLoginStore | undefined {
  const redis = env.REDIS_URL?.trim();
  const database = env.DATABASE_URL?.trim();
  if (redis && database) {
    throw new Error('Set REDIS_URL or DATABASE_URL, not both: the sample keeps its codes in one store.');
  }
  if (redis) return new RedisQrLoginStore({ url: redis });
  if (database) return new PostgresQrLoginStore({ connectionString: database });
  return undefined;
}

/**
 * `storeFromEnv`, ready to use: on PostgreSQL the tables are created if
 * missing (idempotent), so `DATABASE_URL` alone is enough to try the sample.
 * A real app creates them with its migrations (`postgresQrLoginSchemaSql`).
 */
export async function openStoreFromEnv(env: NodeJS.ProcessEnv): Promise<QrLoginStore | undefined> {
  const store = storeFromEnv(env);
  if (store instanceof PostgresQrLoginStore) {
    try {
      await store.ensureSchema();
    } catch (error) {
      await store.close();
      throw error;
    }
  }
  return store;
}

/** How the start-up line names the store. */
export function storeLabel(store: QrLoginStore | undefined): string {
  if (store instanceof RedisQrLoginStore) return 'Redis';
  if (store instanceof PostgresQrLoginStore) return 'PostgreSQL';
  return 'in-memory';
}
