import type { Logger } from '@nestjs/common';
import { Pool, type PoolClient } from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { startPostgresServer, type PostgresServer } from '../../../test/support/postgres-server';
import { withoutPackage } from '../../../test/support/missing-package';
import { eventually } from '../../testing';
import { QrLoginConfigError, QrLoginStoreUnavailableError } from '../../kernel/qr-login.errors';
import { closedError, noop, PostgresConnection, withTimeout } from './postgres-connection';
import { postgresQrLoginNames } from './postgres-qr-login.schema';

/*
 * The store's way to the database, against a real PostgreSQL: the pool it
 * builds or takes, the guards on its connections, what every failure becomes
 * and the exact messages that tell an operator what to do.
 */

const names = postgresQrLoginNames();
const recorder = () => {
  const lines: Array<[string, string]> = [];
  const logger = {
    log: (message: string) => lines.push(['log', message]),
    warn: (message: string) => lines.push(['warn', message]),
  } as unknown as Logger;
  return { lines, logger };
};
/** A thrown value with a SQLSTATE or errno name, as pg reports them. */
const coded = (code: string, message = `failure ${code}`) => Object.assign(new Error(message), { code });
const pidOf = (client: PoolClient) => (client as unknown as { processID: number }).processID;

describe('PostgresConnection', () => {
  let server: PostgresServer;
  const connections: PostgresConnection[] = [];
  const pools: Pool[] = [];
  const owned = (callTimeout = 1_500, config: Record<string, unknown> = { max: 1 }) => {
    const { lines, logger } = recorder();
    const connection = new PostgresConnection(
      { config: { connectionString: server.url, ...config } },
      callTimeout,
      names,
      logger,
    );
    connections.push(connection);
    return { connection, lines };
  };
  const given = () => {
    const pool = new Pool({ connectionString: server.url, max: 1 });
    pool.on('error', () => undefined);
    pools.push(pool);
    return new PostgresConnection({ pool }, 1_500, names, recorder().logger);
  };

  beforeAll(async () => {
    server = await startPostgresServer();
  });
  afterEach(async () => {
    vi.useRealTimers();
    vi.restoreAllMocks();
    await Promise.all(connections.splice(0).map((connection) => connection.end()));
    await Promise.all(pools.splice(0).map((pool) => pool.end()));
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('says how to install pg when it is missing, unless given a pool', () => {
    const build = (source: ConstructorParameters<typeof PostgresConnection>[0]) =>
      withoutPackage('pg', () => new PostgresConnection(source, 1_500, names, recorder().logger));
    expect(() => build({ connectionString: server.url })).toThrow(
      new QrLoginConfigError(
        'PostgresQrLoginStore needs the "pg" package (version 8 or later), which is not installed. Run `npm install pg`, or pass a ready pg.Pool as the "pool" option.',
      ),
    );
    const pool = new Pool({ connectionString: server.url });
    pools.push(pool);
    expect(build({ pool }).pool).toBe(pool);
  });

  it('takes only something with connect() and query() as a pool', () => {
    const message = 'PostgresQrLoginStore "pool" must be a pg.Pool (something with connect() and query()).';
    for (const pool of [{ query: () => undefined }, { connect: () => undefined }, { connect: 1, query: 1 }])
      expect(() => new PostgresConnection({ pool: pool as never }, 1_500, names, recorder().logger)).toThrow(
        new QrLoginConfigError(message),
      );
    const connection = given();
    expect(connection.ownsPool).toBe(false);
    expect(connection.pool).toBe(pools[0]);
  });

  it('builds its own pool on fail-fast defaults that the given config overrides', () => {
    const defaults = owned(1_234).connection;
    expect(defaults.ownsPool).toBe(true);
    expect(defaults.pool.options).toMatchObject({
      connectionTimeoutMillis: 1_234,
      statement_timeout: 1_234,
      keepAlive: true,
      connectionString: server.url,
    });
    const overridden = owned(1_234, { keepAlive: false, statement_timeout: 99 }).connection;
    expect(overridden.pool.options).toMatchObject({
      connectionTimeoutMillis: 1_234,
      statement_timeout: 99,
      keepAlive: false,
    });
    const { logger } = recorder();
    const byUrl = new PostgresConnection({ connectionString: server.url }, 700, names, logger);
    connections.push(byUrl);
    expect(byUrl.pool.options).toMatchObject({ connectionString: server.url, connectionTimeoutMillis: 700 });
  });

  it('guards each connection of its own pool with one error listener, however often it is handed out', async () => {
    const { connection } = owned();
    const guards: number[] = [];
    for (let round = 0; round < 3; round++) {
      const client = await connection.pool.connect();
      guards.push(client.listeners('error').filter((listener) => listener === noop).length);
      client.release();
    }
    expect(guards).toEqual([1, 1, 1]);
  });

  it('warns once about a lost idle connection, again only after 10 s, and never once closed', () => {
    const { connection, lines } = owned();
    vi.useFakeTimers({ toFake: ['setTimeout'] });
    const lost = 'A PostgreSQL connection was lost (server restarting); the pool opens new ones as needed.';
    connection.pool.emit('error', new Error('server restarting'));
    connection.pool.emit('error', new Error('server restarting'));
    expect(lines).toEqual([['warn', lost]]);
    vi.advanceTimersByTime(9_999);
    connection.pool.emit('error', new Error('server restarting'));
    expect(lines).toHaveLength(1);
    vi.advanceTimersByTime(1);
    connection.pool.emit('error', new Error('server restarting'));
    expect(lines).toEqual([
      ['warn', lost],
      ['warn', lost],
    ]);
    vi.advanceTimersByTime(10_000);
    connection.close();
    expect(connection.isClosed).toBe(true);
    connection.pool.emit('error', new Error('server restarting'));
    expect(lines).toHaveLength(2);
  });

  it('runs a call on a pooled connection and leaves no listener or timer of its own behind', async () => {
    const connection = given();
    const set = vi.spyOn(globalThis, 'setTimeout');
    const cleared = vi.spyOn(globalThis, 'clearTimeout');
    const answer = await connection.call('add', (client) => client.query<{ n: number }>('SELECT 1 + 1 AS n'));
    expect(answer.rows).toEqual([{ n: 2 }]);
    // The call's deadline (its 1 500 ms timeout) is cleared as soon as it has answered.
    const deadlines = set.mock.results.filter((_, index) => set.mock.calls[index][1] === 1_500);
    expect(deadlines).toHaveLength(1);
    expect(cleared).toHaveBeenCalledWith(deadlines[0].value);
    const client = await connection.pool.connect();
    const listeners = client.listeners('error');
    client.release();
    expect(listeners).not.toContain(noop);
  });

  it('refuses every call once closed', async () => {
    const connection = given();
    connection.close();
    const run = vi.fn();
    await expect(connection.call('read', run)).rejects.toThrow(
      new QrLoginStoreUnavailableError('The PostgreSQL QR login store was closed (the app is shutting down).'),
    );
    expect(run).not.toHaveBeenCalled();
    expect(closedError().message).toBe('The PostgreSQL QR login store was closed (the app is shutting down).');
  });

  it('gives up after its timeout, and does not run the call when a connection arrives after that', async () => {
    const connection = given();
    let go!: () => void;
    const after = new Promise<void>((resolve) => (go = resolve));
    const run = vi.fn(async () => 'ran');
    await expect(connection.call('wait for something', run, 30, after)).rejects.toThrow(
      new QrLoginStoreUnavailableError(
        'PostgreSQL did not answer within 30 ms when asked to wait for something; check that the database is running, reachable and not overloaded.',
      ),
    );
    go();
    await eventually(() => connection.pool.totalCount === 1 && connection.pool.idleCount === 1, 5_000, 'the release');
    expect(run).not.toHaveBeenCalled();
    // Waits for `after` within the call's own time.
    await expect(connection.call('wait', async () => 'done', 1_500, Promise.resolve())).resolves.toBe('done');
  });

  it('drops a connection that failed for a transient reason and keeps one whose statement was wrong', async () => {
    const connection = given();
    const pid = () => connection.call('read the backend', async (client) => pidOf(client));
    const first = await pid();
    await expect(connection.call('fail', (client) => client.query('SELECT * FROM nowhere'))).rejects.toThrow(/nowhere/);
    expect(await pid()).toBe(first);
    await expect(
      connection.call('fail', async () => {
        throw coded('57P01', 'terminating connection');
      }),
    ).rejects.toBeInstanceOf(QrLoginStoreUnavailableError);
    const second = await pid();
    expect(second).not.toBe(first);
    await expect(
      connection.call('fail', async () => {
        throw new Error('socket hang up');
      }),
    ).rejects.toBeInstanceOf(QrLoginStoreUnavailableError);
    expect(await pid()).not.toBe(second);
  });

  it('says what each failure means and how to fix it', () => {
    const connection = given();
    const missing = connection.fault(coded('42P01', 'relation "qr_login_codes" does not exist'), 'read a QR code');
    expect(missing).not.toBeInstanceOf(QrLoginStoreUnavailableError);
    expect(missing.message).toBe(
      'PostgreSQL could not read a QR code: relation "qr_login_codes" does not exist. Create the store\'s tables ("qr_login_codes", "qr_login_code_changes", "qr_login_keys") ' +
        'with your migrations (postgresQrLoginSchemaSql()) or once at start-up with ensurePostgresQrLoginSchema(pool) / store.ensureSchema().',
    );
    expect((missing.cause as Error).message).toBe('relation "qr_login_codes" does not exist');

    const wrong = coded('22P02', 'invalid input syntax');
    const refused = connection.fault(wrong, 'update a QR code');
    expect(refused).not.toBeInstanceOf(QrLoginStoreUnavailableError);
    expect(refused.message).toBe('PostgreSQL refused to update a QR code: invalid input syntax (SQLSTATE 22P02)');
    expect(refused.cause).toBe(wrong);

    const unavailable = (error: unknown) => {
      const fault = connection.fault(error, 'store an alias');
      expect(fault).toBeInstanceOf(QrLoginStoreUnavailableError);
      return fault;
    };
    const dropped = coded('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:1');
    expect(unavailable(dropped).message).toBe(
      'PostgreSQL could not store an alias (connect ECONNREFUSED 127.0.0.1:1); check that the database is running and reachable, the store reconnects by itself.',
    );
    expect(unavailable(dropped).cause).toBe(dropped);
    expect(unavailable('plain text').message).toContain('(plain text)');
    // errno names are not SQLSTATEs, whatever five capitals they hold.
    for (const code of ['EAI_AGAIN', 'ECONNRESET', 'econn', 'ABCD']) unavailable(coded(code));
    for (const code of ['08006', '53300', '57P01', '57014', '40001', '40P01', '58030']) unavailable(coded(code));
    expect(connection.fault(coded('E1234'), 'x').message).toBe(
      'PostgreSQL refused to x: failure E1234 (SQLSTATE E1234)',
    );
    for (const code of ['ABCDE', '23505'])
      expect(connection.fault(coded(code), 'x')).not.toBeInstanceOf(QrLoginStoreUnavailableError);
    expect(connection.fault(null, 'x')).toBeInstanceOf(QrLoginStoreUnavailableError);
    // Errors of the store's own kinds pass as they are.
    const config = new QrLoginConfigError('bad');
    const closed = closedError();
    expect(connection.fault(config, 'x')).toBe(config);
    expect(connection.fault(closed, 'x')).toBe(closed);
  });

  it('bounds any promise with withTimeout, saying what it waited for, and clears its timer once settled', async () => {
    const set = vi.spyOn(globalThis, 'setTimeout');
    const cleared = vi.spyOn(globalThis, 'clearTimeout');
    await expect(withTimeout(Promise.resolve(7), 1_000, 'count')).resolves.toBe(7);
    expect(set).toHaveBeenCalledTimes(1);
    expect(cleared).toHaveBeenCalledWith(set.mock.results[0].value);
    await expect(withTimeout(new Promise(noop), 20, 'open a connection')).rejects.toThrow(
      new QrLoginStoreUnavailableError('PostgreSQL did not answer within 20 ms when asked to open a connection.'),
    );
  });

  it('ends only a pool it created, and ending twice does no harm', async () => {
    const mine = owned().connection;
    await mine.end();
    expect(mine.pool.ending).toBe(true);
    await expect(mine.end()).resolves.toBeUndefined();
    const theirs = given();
    await theirs.end();
    expect(theirs.pool.ending).toBe(false);
    expect(noop()).toBeUndefined();
  });
});
