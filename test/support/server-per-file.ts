import { Redis } from 'ioredis';
import { Pool } from 'pg';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { ensurePostgresQrLoginSchema, type PostgresQrLoginSchemaOptions } from '../../lib/stores/postgres';
import { startPostgresServer, type PostgresServer } from './postgres-server';
import { startRedisServer, type RedisServer } from './redis-server';

/*
 * One real server for the spec file (or `describe`) these are called in,
 * with a client of its own for the test to look behind the store: started
 * before the first test, stopped after the last. `started` hands both to the
 * spec's own variables, so its tests read them as before.
 */

/**
 * A PostgreSQL server and an admin pool (`adminConnections`, default 1),
 * with the store's tables made (`schema`, or none with `false`).
 */
export function postgresPerFile(
  options: { adminConnections?: number; schema?: PostgresQrLoginSchemaOptions | false },
  started: (parts: { server: PostgresServer; admin: Pool }) => void,
): void {
  let server: PostgresServer | undefined;
  let admin: Pool | undefined;
  beforeAll(async () => {
    server = await startPostgresServer();
    admin = new Pool({ connectionString: server.url, max: options.adminConnections ?? 1 });
    admin.on('error', () => undefined);
    if (options.schema !== false) await ensurePostgresQrLoginSchema(admin, options.schema ?? {});
    started({ server, admin });
  });
  afterAll(async () => {
    await admin?.end();
    await server?.stop();
  });
}

/** A redis-server and an admin client, which empties the server after each test (after the spec's own clean-up). */
export function redisPerFile(started: (parts: { server: RedisServer; admin: Redis }) => void): void {
  let server: RedisServer | undefined;
  let admin: Redis | undefined;
  beforeAll(async () => {
    server = await startRedisServer();
    admin = new Redis(server.url);
    started({ server, admin });
  });
  // Registered before the spec's own afterEach, so it runs after it (vitest runs after-hooks in reverse).
  afterEach(async () => {
    await admin?.flushall();
  });
  afterAll(async () => {
    admin?.disconnect();
    await server?.stop();
  });
}
