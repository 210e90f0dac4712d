import { Pool } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgresServer, type PostgresServer } from '../../../test/support/postgres-server';
import { QrLoginConfigError, QrLoginStoreUnavailableError } from '../../kernel/qr-login.errors';
import type { QrLoginPasskeyCredential } from '../../kernel/interfaces/qr-login-passkey-store.interface';
import { PostgresQrLoginPasskeyStore } from './postgres-passkey.store';

/*
 * The passkey store against a real PostgreSQL on a free port: its table
 * names, the DDL it runs, each call's answer, the counter's compare-and-set
 * and what a database error becomes.
 */

let serial = 0;
const credential = (overrides: Partial<QrLoginPasskeyCredential> = {}): QrLoginPasskeyCredential => ({
  id: `cred-${++serial}`,
  userId: 'user-1',
  publicKey: 'pQECAyYgASFYIA',
  counter: 7,
  transports: ['internal', 'hybrid'],
  createdAt: 1_700_000_000_000 + serial,
  ...overrides,
});

describe('PostgresQrLoginPasskeyStore', () => {
  let server: PostgresServer;
  let pool: Pool;
  let tables = 0;
  /** A store on a table of its own, created. */
  const fresh = async (schema?: string) => {
    const store = new PostgresQrLoginPasskeyStore({ pool, schema, table: `passkeys_${++tables}` });
    await store.ensureSchema();
    return store;
  };

  beforeAll(async () => {
    server = await startPostgresServer();
    pool = new Pool({ connectionString: server.url, max: 2 });
    pool.on('error', () => undefined);
  });
  afterAll(async () => {
    await pool?.end();
    await server?.stop();
  });

  it('needs a pool and table and schema names that are plain lower-case SQL identifiers', () => {
    expect(() => new PostgresQrLoginPasskeyStore(undefined as never)).toThrow(
      new QrLoginConfigError('PostgresQrLoginPasskeyStore needs "pool": a ready pg.Pool.'),
    );
    expect(() => new PostgresQrLoginPasskeyStore({} as never)).toThrow(QrLoginConfigError);
    expect(() => new PostgresQrLoginPasskeyStore({ pool, table: 'Passkeys' })).toThrow(
      'PostgresQrLoginPasskeyStore "table" must be a lower-case SQL identifier.',
    );
    expect(() => new PostgresQrLoginPasskeyStore({ pool, schema: 'auth; DROP TABLE x' })).toThrow(
      'PostgresQrLoginPasskeyStore "schema" must be a lower-case SQL identifier.',
    );
    // Anchored at both ends, at most 63 bytes (PostgreSQL would cut a longer name).
    for (const table of ['x passkeys', 'passkeys x', '1passkeys', 'p'.repeat(64), ''])
      expect(() => new PostgresQrLoginPasskeyStore({ pool, table }), table).toThrow(/"table" must be/);
    expect(() => new PostgresQrLoginPasskeyStore({ pool, table: `_${'p'.repeat(62)}` })).not.toThrow();
    expect(() => new PostgresQrLoginPasskeyStore({ pool, table: 'a1_b' })).not.toThrow();
  });

  it('names its table and index from the options, with qr_login_passkeys in the search_path by default', async () => {
    const plain = new PostgresQrLoginPasskeyStore({ pool });
    expect(plain.schemaSql()).toBe(`CREATE TABLE IF NOT EXISTS "qr_login_passkeys" (
  id text PRIMARY KEY,
  user_id text NOT NULL,
  public_key text NOT NULL,
  counter bigint NOT NULL,
  transports jsonb,
  created_at bigint NOT NULL
);
CREATE INDEX IF NOT EXISTS "qr_login_passkeys_user_id" ON "qr_login_passkeys" (user_id);`);
    await plain.ensureSchema();
    // Safe to run again.
    await plain.ensureSchema();

    await pool.query('CREATE SCHEMA IF NOT EXISTS auth');
    const scoped = new PostgresQrLoginPasskeyStore({ pool, schema: 'auth', table: 'keys' });
    expect(scoped.schemaSql()).toContain('CREATE TABLE IF NOT EXISTS "auth"."keys" (');
    expect(scoped.schemaSql()).toContain('CREATE INDEX IF NOT EXISTS "auth_keys_user_id" ON "auth"."keys" (user_id);');
    await scoped.ensureSchema();
    expect(await scoped.add(credential({ id: 'in-auth' }))).toBe(true);
    const { rows } = await pool.query(
      `SELECT schemaname, tablename, indexname FROM pg_indexes WHERE indexname IN ('auth_keys_user_id', 'qr_login_passkeys_user_id') ORDER BY indexname`,
    );
    expect(rows).toEqual([
      { schemaname: 'auth', tablename: 'keys', indexname: 'auth_keys_user_id' },
      { schemaname: 'public', tablename: 'qr_login_passkeys', indexname: 'qr_login_passkeys_user_id' },
    ]);
    expect((await pool.query('SELECT id FROM auth.keys')).rows).toEqual([{ id: 'in-auth' }]);
    expect(await plain.get('in-auth')).toBeNull();
  });

  it('adds a credential once and reads it back whole, transports or none', async () => {
    const store = await fresh();
    const first = credential();
    expect(await store.add(first)).toBe(true);
    expect(await store.add({ ...first, userId: 'someone-else', counter: 99 })).toBe(false);
    expect(await store.get(first.id)).toEqual(first);

    const bare = credential({ transports: undefined, counter: 0 });
    delete bare.transports;
    expect(await store.add(bare)).toBe(true);
    const read = await store.get(bare.id);
    expect(read).toEqual(bare);
    expect(read).not.toHaveProperty('transports');
    // Stored as SQL NULL, not as the JSON text "null".
    const { rows } = await pool.query(
      `SELECT transports IS NULL AS none, counter::text, created_at::text FROM ${store['table']} WHERE id = $1`,
      [bare.id],
    );
    expect(rows).toEqual([{ none: true, counter: '0', created_at: String(bare.createdAt) }]);
    expect(await store.get('unknown')).toBeNull();
  });

  it("lists a user's credentials oldest first (by createdAt, then id), and nobody else's", async () => {
    const store = await fresh();
    const late = credential({ id: 'b-late', createdAt: 300 });
    const tieB = credential({ id: 'b-tie', createdAt: 200 });
    const tieA = credential({ id: 'a-tie', createdAt: 200 });
    const other = credential({ id: 'a-other', userId: 'user-2', createdAt: 100 });
    for (const one of [late, tieB, other, tieA]) await store.add(one);
    expect(await store.listByUser('user-1')).toEqual([tieA, tieB, late]);
    expect(await store.listByUser('user-2')).toEqual([other]);
    expect(await store.listByUser('nobody')).toEqual([]);
  });

  it('moves the counter only from the expected value, once', async () => {
    const store = await fresh();
    const one = credential({ counter: 5 });
    const two = credential({ counter: 5 });
    await store.add(one);
    await store.add(two);
    expect(await store.updateCounter(one.id, 4, 9)).toBe(false);
    expect((await store.get(one.id))!.counter).toBe(5);
    expect(await store.updateCounter(one.id, 5, 6)).toBe(true);
    expect(await store.updateCounter(one.id, 5, 7)).toBe(false);
    expect((await store.get(one.id))!.counter).toBe(6);
    // Only that credential moved.
    expect((await store.get(two.id))!.counter).toBe(5);
    expect(await store.updateCounter('unknown', 5, 6)).toBe(false);

    const racing = await Promise.all(Array.from({ length: 20 }, (_, n) => store.updateCounter(one.id, 6, 10 + n)));
    expect(racing.filter(Boolean)).toHaveLength(1);
  });

  it('removes a credential once, leaving the others', async () => {
    const store = await fresh();
    const gone = credential();
    const kept = credential();
    await store.add(gone);
    await store.add(kept);
    expect(await store.remove(gone.id)).toBe(true);
    expect(await store.remove(gone.id)).toBe(false);
    expect(await store.get(gone.id)).toBeNull();
    expect(await store.get(kept.id)).toEqual(kept);
    expect(await store.listByUser('user-1')).toEqual([kept]);
  });

  it('turns a database error into QrLoginStoreUnavailableError with its message and cause', async () => {
    const store = new PostgresQrLoginPasskeyStore({ pool, table: 'never_created' });
    const failure = (await store.get('x').catch((error: unknown) => error)) as QrLoginStoreUnavailableError;
    expect(failure).toBeInstanceOf(QrLoginStoreUnavailableError);
    expect(failure.message).toBe('PostgreSQL passkey store: relation "never_created" does not exist');
    expect((failure.cause as { code?: string }).code).toBe('42P01');
  });
});
