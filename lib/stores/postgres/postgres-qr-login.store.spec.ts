import { Pool } from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { QrLoginConfigError, QrLoginStoreUnavailableError } from '../../kernel/qr-login.errors';
import { eventually, newRecord, successor, watchInto, type Watched } from '../../testing';
import { startPostgresServer, type PostgresServer } from '../../../test/support/postgres-server';
import { postgresPerFile } from '../../../test/support/server-per-file';
import { rowsOf } from '../../../test/support/postgres-store-kind';
import {
  ensurePostgresQrLoginSchema,
  POSTGRES_QR_LOGIN_LISTENER_NAME,
  PostgresQrLoginStore,
  postgresQrLoginSchemaSql,
  type PostgresQrLoginStoreOptions,
} from './index';

/** Settles `promise` or fails after `ms`: proves a call does not hang, without measuring speed. */
async function settleWithin<T>(promise: Promise<T>, ms: number): Promise<{ value?: T; error?: unknown }> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`still pending after ${ms} ms`)), ms);
  });
  try {
    return { value: await Promise.race([promise, hang]) };
  } catch (error) {
    if (error instanceof Error && error.message.startsWith('still pending')) throw error;
    return { error };
  } finally {
    clearTimeout(timer);
  }
}

/** LISTEN connections of the store's kind on the whole PostgreSQL server, or of one backend when `pid` is given. */
async function listenersOf(pool: Pool, pid?: number): Promise<number> {
  const { rows } = await pool.query<{ n: string }>(
    'SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = $1 AND ($2::int IS NULL OR pid = $2)',
    [POSTGRES_QR_LOGIN_LISTENER_NAME, pid ?? null],
  );
  return Number(rows[0].n);
}

describe('PostgresQrLoginStore beyond the contract', () => {
  let server: PostgresServer;
  let admin: Pool;
  const stores: PostgresQrLoginStore[] = [];
  const watches: Watched[] = [];
  const open = (options: PostgresQrLoginStoreOptions = { connectionString: server.url }) => {
    const store = new PostgresQrLoginStore(options);
    stores.push(store);
    return store;
  };

  postgresPerFile({ adminConnections: 2 }, (parts) => ({ server, admin } = parts));
  afterEach(async () => {
    for (const watched of watches.splice(0)) watched.subscription.unsubscribe();
    await Promise.all(stores.splice(0).map((store) => store.close()));
  });

  it('needs exactly one of pool, connectionString and config, and names that are plain SQL identifiers', () => {
    expect(() => new PostgresQrLoginStore({})).toThrow(QrLoginConfigError);
    expect(() => new PostgresQrLoginStore({})).toThrow(
      /exactly one of "pool".*"connectionString" or "config"; got none/,
    );
    expect(() => new PostgresQrLoginStore({ connectionString: server.url, config: { port: server.port } })).toThrow(
      /got "connectionString" and "config"/,
    );
    expect(() => new PostgresQrLoginStore({ connectionString: server.url, tablePrefix: 'qr-login' })).toThrow(
      /lower-case SQL identifier/,
    );
    expect(() => new PostgresQrLoginStore({ connectionString: server.url, schema: 'Auth; DROP' })).toThrow(/"schema"/);
    expect(() => new PostgresQrLoginStore({ connectionString: server.url, tablePrefix: 'p'.repeat(40) })).toThrow(
      /too long/,
    );
    expect(() => new PostgresQrLoginStore({ connectionString: server.url, sweepInterval: 0 })).toThrow(
      /"sweepInterval" must be a positive/,
    );
    expect(() => new PostgresQrLoginStore({ pool: {} as Pool })).toThrow(/must be a pg.Pool/);
  });

  it('uses a given pool without taking it over: close() leaves it open and destroys only the LISTEN connection', async () => {
    const pool = new Pool({ connectionString: server.url, max: 3 });
    pool.on('error', () => undefined);
    try {
      const store = open({ pool });
      const record = newRecord();
      const seen = watchInto(store, record.id);
      watches.push(seen);
      expect(await store.get(record.id)).toBeNull();
      await store.create(record);
      await eventually(() => seen.records.length === 1, 5_000, 'the create on the watcher');
      // The LISTEN connection is one of the pool's, held for as long as the store runs.
      expect(pool.totalCount - pool.idleCount).toBe(1);

      await store.close();
      expect(seen.errors[0]).toBeInstanceOf(QrLoginStoreUnavailableError);
      expect(pool.ending).toBe(false);
      expect(pool.totalCount - pool.idleCount).toBe(0);
      const { rows } = await pool.query('SELECT version FROM qr_login_codes WHERE id = $1', [record.id]);
      expect(rows).toEqual([{ version: 1 }]);
    } finally {
      await pool.end();
    }
  });

  it('serves every watched id from one LISTEN connection, and close() ends it with the pool', async () => {
    const watcher = open();
    const record = newRecord();
    await open().create(record);
    for (const id of [record.id, record.id, `${record.id}-other`]) watches.push(watchInto(watcher, id));
    await watcher.get(record.id);
    const pid = watcher.listenerPid;
    expect(pid).toBeTypeOf('number');
    await watcher.get(`${record.id}-other`);
    expect(watcher.watchedIds).toBe(2);
    // A second watched id adds no connection.
    expect(watcher.listenerPid).toBe(pid);
    await eventually(async () => (await listenersOf(admin)) === 1, 5_000, 'one LISTEN connection on the server');
    expect(await listenersOf(admin, pid)).toBe(1);

    await watcher.close();
    expect(watcher.pool.ending).toBe(true);
    expect(watcher.pool.totalCount).toBe(0);
    await eventually(async () => (await listenersOf(admin, pid)) === 0, 5_000, 'the LISTEN connection to end');
  });

  it('keeps apps with different schemas and prefixes apart in one database, tables and notifications alike', async () => {
    await admin.query('CREATE SCHEMA IF NOT EXISTS app_two');
    const first = open({ connectionString: server.url });
    const second = open({ config: { connectionString: server.url }, schema: 'app_two', tablePrefix: 'login' });
    await second.ensureSchema();
    expect(second.tables.codes).toBe('"app_two"."login_codes"');

    const record = newRecord();
    const seenBySecond = watchInto(second, record.id);
    watches.push(seenBySecond);
    await second.get(record.id);
    await first.create(record);
    expect(await second.get(record.id)).toBeNull();
    await second.create({ ...record, status: 'CANCELLED' });
    expect((await first.get(record.id))!.status).toBe('PENDING');
    expect((await second.get(record.id))!.status).toBe('CANCELLED');
    await eventually(() => seenBySecond.records.length === 1, 5_000, 'the second app to see its own create');
    expect(seenBySecond.records[0].status).toBe('CANCELLED');
  });

  it('keeps every record exactly as JSON.stringify wrote it, escaped NUL characters and key order included', async () => {
    const [writer, watcher] = [open(), open()];
    // JSON can carry "\u0000" and PostgreSQL's jsonb cannot: a store on jsonb would fail such a code with a 500.
    const record = newRecord({ customData: { zeta: 'a\u0000b', alpha: { '': [1.5, -0, 'é\u2028'] }, same: 1 } });
    const seen = watchInto(watcher, record.id);
    watches.push(seen);
    await watcher.get(record.id);
    await writer.create(record);
    const next = successor(record, { context: { note: '\u0000' } });
    expect(await writer.compareAndSet(record.id, 1, next)).toBe(true);
    expect(JSON.stringify(await watcher.get(record.id))).toBe(JSON.stringify(next));
    await eventually(() => seen.records.length === 2, 5_000, 'both versions on the watcher');
    expect(seen.records.map((one) => JSON.stringify(one))).toEqual([JSON.stringify(record), JSON.stringify(next)]);
  });

  it('says how to create the tables when they are missing, instead of answering 503', async () => {
    const store = open({ connectionString: server.url, tablePrefix: 'never_created' });
    const failure = await store.get('anything').catch((error: unknown) => error);
    expect(failure).not.toBeInstanceOf(QrLoginStoreUnavailableError);
    expect(String((failure as Error).message)).toMatch(/"never_created_codes".*ensurePostgresQrLoginSchema\(pool\)/);
  });

  it('creates its tables idempotently, also from several connections at once', async () => {
    const pools = Array.from({ length: 4 }, () => new Pool({ connectionString: server.url, max: 1 }));
    try {
      await admin.query('CREATE SCHEMA IF NOT EXISTS racing');
      await Promise.all(pools.map((pool) => ensurePostgresQrLoginSchema(pool, { schema: 'racing' })));
      await ensurePostgresQrLoginSchema(pools[0], { schema: 'racing' });
      const { rows } = await admin.query<{ table_name: string }>(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'racing' ORDER BY table_name",
      );
      expect(rows.map((row) => row.table_name)).toEqual(['qr_login_code_changes', 'qr_login_codes', 'qr_login_keys']);
    } finally {
      await Promise.all(pools.map((pool) => pool.end()));
    }
    expect(postgresQrLoginSchemaSql()).toMatch(/CREATE TABLE IF NOT EXISTS "qr_login_codes"/);
  });

  it('sweeps expired rows in batches and keeps the live ones', async () => {
    const store = open({ connectionString: server.url, sweepInterval: 100, sweepBatchSize: 50 });
    const live = newRecord();
    await store.create(live);
    // 300 expired codes, written straight into the tables as a backlog left by a stopped fleet.
    await admin.query(`
      INSERT INTO qr_login_codes (id, version, record, retain_until)
      SELECT 'backlog-' || n, 1, '{}'::json, now() - interval '1 minute' FROM generate_series(1, 300) AS n;
      INSERT INTO qr_login_code_changes (id, version, record, retain_until)
      SELECT 'backlog-' || n, 1, '{}'::json, now() - interval '1 minute' FROM generate_series(1, 300) AS n;
      INSERT INTO qr_login_keys (kind, key, value, expires_at)
      SELECT 'once', 'backlog-' || n, '', now() - interval '1 minute' FROM generate_series(1, 300) AS n;`);
    const left = async () =>
      Number(
        (
          await admin.query<{ n: string }>(`SELECT
            (SELECT count(*) FROM qr_login_codes WHERE id LIKE 'backlog-%') +
            (SELECT count(*) FROM qr_login_code_changes WHERE id LIKE 'backlog-%') +
            (SELECT count(*) FROM qr_login_keys WHERE key LIKE 'backlog-%') AS n`)
        ).rows[0].n,
      );
    await eventually(async () => (await left()) === 0, 10_000, 'the sweeper to work off the backlog');
    expect(await rowsOf(store, live.id)).toBe(2);
    expect(await store.get(live.id)).toEqual(live);
  });

  it('answers every call with QrLoginStoreUnavailableError while the database is down, ends watchers, and recovers with its data', async () => {
    const store = open();
    const other = open();
    const record = newRecord();
    await store.create(record);
    const seen = watchInto(store, record.id);
    watches.push(seen);
    await store.get(record.id);

    await server.pause();
    try {
      await eventually(() => seen.errors.length === 1, 5_000, 'the watcher to learn that the database is gone');
      expect(seen.errors[0]).toBeInstanceOf(QrLoginStoreUnavailableError);
      expect(store.watchedIds).toBe(0);

      const calls: Array<[string, () => Promise<unknown>]> = [
        ['create', () => store.create(newRecord())],
        ['get', () => store.get(record.id)],
        ['compareAndSet', () => store.compareAndSet(record.id, 1, successor(record))],
        ['rememberOnce', () => store.rememberOnce('outage', 60_000)],
        ['get on a second store', () => other.get(record.id)],
      ];
      for (const [name, call] of calls) {
        const outcome = await settleWithin(call(), 5_000);
        expect(outcome.error, name).toBeInstanceOf(QrLoginStoreUnavailableError);
        expect(String((outcome.error as Error).message), name).toMatch(/PostgreSQL/);
      }
      const late = watchInto(store, record.id);
      watches.push(late);
      await eventually(() => late.errors.length === 1, 5_000, 'a new watcher to fail while the database is down');
      expect(late.errors[0]).toBeInstanceOf(QrLoginStoreUnavailableError);
    } finally {
      await server.start();
    }

    // The same store instances serve again, and the record written before the outage is still there.
    await eventually(
      async () => (await store.get(record.id).catch(() => null)) !== null,
      10_000,
      'the store to reconnect',
    );
    expect(await store.get(record.id)).toEqual(record);
    let again: Watched | undefined;
    await eventually(
      async () => {
        again?.subscription.unsubscribe();
        again = watchInto(other, record.id);
        watches.push(again);
        const read = await other.get(record.id).catch(() => null);
        return read !== null && again.errors.length === 0 && other.listenerPid !== undefined;
      },
      10_000,
      'the second store to listen again',
    );
    const next = successor(record, { status: 'SCANNED' });
    expect(await store.compareAndSet(record.id, 1, next)).toBe(true);
    await eventually(() => again!.records.length === 1, 5_000, 'the change on a watcher after the outage');
    expect(again!.records).toEqual([next]);
    expect(again!.errors).toEqual([]);
  }, 60_000);

  it('says which option is wrong and what it got, and builds its pool on the documented defaults', async () => {
    const positive = (name: string, got: string) =>
      new QrLoginConfigError(`PostgresQrLoginStore "${name}" must be a positive number; got ${got}.`);
    const url = server.url;
    expect(() => open({ connectionString: url, callTimeout: -1 })).toThrow(positive('callTimeout', '-1'));
    expect(() => open({ connectionString: url, callTimeout: 0 })).toThrow(positive('callTimeout', '0'));
    expect(() => open({ connectionString: url, sweepInterval: Number.NaN })).toThrow(positive('sweepInterval', 'null'));
    expect(() => open({ connectionString: url, sweepBatchSize: Infinity })).toThrow(positive('sweepBatchSize', 'null'));
    expect(() => open({ connectionString: url, callTimeout: '5' as never })).toThrow(positive('callTimeout', '"5"'));
    expect(() => new PostgresQrLoginStore(undefined as never)).toThrow(/; got none\.$/);
    expect(() => new PostgresQrLoginStore({ pool: admin, connectionString: url, config: {} })).toThrow(
      new QrLoginConfigError(
        'PostgresQrLoginStore needs exactly one of "pool" (a ready pg.Pool), "connectionString" or "config"; got "pool" and "connectionString" and "config".',
      ),
    );

    type Inside = { sweeper: { batchSize: number; timer: { _idleTimeout: number } } };
    const defaults = open();
    expect(defaults.pool.options).toMatchObject({ connectionTimeoutMillis: 1_500, statement_timeout: 1_500 });
    expect((defaults as unknown as Inside).sweeper.batchSize).toBe(500);
    expect((defaults as unknown as Inside).sweeper.timer._idleTimeout).toBe(60_000);
    const tuned = open({ connectionString: url, callTimeout: 800, sweepInterval: 1_234, sweepBatchSize: 2.9 });
    expect(tuned.pool.options).toMatchObject({ connectionTimeoutMillis: 800, statement_timeout: 800 });
    expect((tuned as unknown as Inside).sweeper.batchSize).toBe(2);
    expect((tuned as unknown as Inside).sweeper.timer._idleTimeout).toBe(1_234);
  });

  it('names what it was asked to do in every error', async () => {
    const store = open({ connectionString: server.url, tablePrefix: 'never_created' });
    const record = newRecord();
    const calls: Array<[string, () => Promise<unknown>]> = [
      ['create a QR code', () => store.create(record)],
      ['create a QR code', () => store.createWithAlias(record, { key: 'alias', expiresAt: Date.now() + 60_000 })],
      ['read a QR code', () => store.get(record.id)],
      ['update a QR code', () => store.compareAndSet(record.id, 1, successor(record))],
      ['remember a one-time fact', () => store.rememberOnce('fact', 60_000)],
      ['store an alias', () => store.setAlias('alias', record.id, Date.now() + 60_000)],
      ['read an alias', () => store.resolveAlias('alias')],
      ['count a rate-limit hit', () => store.createRateLimiter().hit('ip', 5, 60_000)],
    ];
    for (const [what, call] of calls) {
      const failure = (await call().catch((error: unknown) => error)) as Error;
      expect(failure.message, what).toMatch(new RegExp(`^PostgreSQL could not ${what}: relation "never_created_`));
    }
    await admin.query('DROP SCHEMA IF EXISTS missing');
    const nowhere = open({ connectionString: server.url, schema: 'missing' });
    await expect(nowhere.ensureSchema()).rejects.toThrow(
      'PostgreSQL refused to create its tables: schema "missing" does not exist (SQLSTATE 3F000)',
    );
  });

  it('refuses an id twice and a record without a valid retainUntil, saying which', async () => {
    const store = open();
    const record = newRecord();
    await store.create(record);
    await expect(store.create(record)).rejects.toThrow(new Error(`A QR code with id ${record.id} exists already.`));
    for (const retainUntil of [undefined, Number.NaN, Infinity, '1' as never]) {
      const bad = newRecord({ retainUntil });
      const message = `QR code ${bad.id} has no valid retainUntil (ms since the epoch): ${String(retainUntil)}.`;
      // Thrown inside the call, it reaches the caller as the call's failure, with the TypeError as its cause.
      const failure = (await store.create(bad).catch((error: unknown) => error)) as Error;
      expect(failure.message).toBe(
        `PostgreSQL could not create a QR code (${message}); check that the database is running and reachable, the store reconnects by itself.`,
      );
      expect(failure.cause).toBeInstanceOf(TypeError);
      await expect(store.compareAndSet(record.id, 1, { ...bad, id: record.id })).rejects.toThrow(
        `(QR code ${record.id} has no valid retainUntil (ms since the epoch): ${String(retainUntil)}.)`,
      );
    }
    expect(await store.get(record.id)).toEqual(record);
  });

  it('stores every end rounded up to the millisecond, and remembers a fact for 1 ms at least', async () => {
    const store = open();
    const now = Date.now();
    const endOf = async (sql: string, key: string) =>
      Number((await admin.query<{ ms: string }>(sql, [key])).rows[0].ms);
    const codeEnd = (id: string) =>
      endOf('SELECT (extract(epoch FROM retain_until) * 1000)::text AS ms FROM qr_login_codes WHERE id = $1', id);
    const aliasEnd = (key: string) =>
      endOf('SELECT (extract(epoch FROM expires_at) * 1000)::text AS ms FROM qr_login_keys WHERE key = $1', key);
    const record = newRecord({ retainUntil: now + 60_000.25 });
    await store.create(record);
    expect(await codeEnd(record.id)).toBe(now + 60_001);
    await store.compareAndSet(record.id, 1, successor(record, { retainUntil: now + 70_000.5 }));
    expect(await codeEnd(record.id)).toBe(now + 70_001);
    const aliased = newRecord({ retainUntil: now + 60_000 });
    expect(await store.createWithAlias(aliased, { key: `ceil-${aliased.id}`, expiresAt: now + 50_000.1 })).toBe(true);
    expect(await codeEnd(aliased.id)).toBe(now + 60_000);
    expect(await aliasEnd(`ceil-${aliased.id}`)).toBe(now + 50_001);
    await store.setAlias(`set-${aliased.id}`, aliased.id, now + 40_000.9);
    expect(await aliasEnd(`set-${aliased.id}`)).toBe(now + 40_001);

    // A ttl of nothing or less still keeps the fact a moment from now, not from the past.
    expect(await store.rememberOnce(`ttl-${aliased.id}`, -60_000)).toBe(true);
    const { rows } = await admin.query<{ recent: boolean }>(
      "SELECT expires_at > now() - interval '30 seconds' AS recent FROM qr_login_keys WHERE key = $1",
      [`ttl-${aliased.id}`],
    );
    expect(rows).toEqual([{ recent: true }]);
  });

  it('refuses every call once closed, and closes once however often asked', async () => {
    const store = open();
    const closing = store.close();
    expect(store.close()).toBe(closing);
    await closing;
    const closed = 'The PostgreSQL QR login store was closed (the app is shutting down).';
    await expect(store.get('any')).rejects.toThrow(new QrLoginStoreUnavailableError(closed));
    await expect(store.rememberOnce('any', 1_000)).rejects.toThrow(closed);
    expect(store.pool.ending).toBe(true);
  });

  it('the test helper fails loudly, not silently, when PostgreSQL is missing', async () => {
    await expect(startPostgresServer({ binDir: '/nonexistent/postgresql/bin' })).rejects.toThrow(
      'PostgreSQL is not installed; install it (apt-get install -y postgresql) — the test suite needs a real PostgreSQL',
    );
  });
});
