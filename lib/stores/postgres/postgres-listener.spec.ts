import { Logger, type LoggerService } from '@nestjs/common';
import { Pool, type PoolClient } from 'pg';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { PostgresServer } from '../../../test/support/postgres-server';
import { postgresPerFile } from '../../../test/support/server-per-file';
import { QrLoginStoreUnavailableError } from '../../kernel/qr-login.errors';
import { eventually, newRecord, watchInto, type Watched } from '../../testing';
import { POSTGRES_QR_LOGIN_LISTENER_NAME, PostgresQrLoginStore } from './index';

/*
 * The store's one LISTEN connection against a real PostgreSQL: what watchers
 * and the log hear when it cannot open or is lost, that it comes back by
 * itself, and that a store closed while it opens keeps no connection.
 */

const LOST =
  'The PostgreSQL connection that carries QR code changes was lost; open the stream again once the database is reachable.';
const failed = (reason: string) =>
  `PostgreSQL LISTEN connection failed (${reason}); watches fail with QrLoginStoreUnavailableError until it reconnects, which it keeps trying.`;
const BACK = 'The PostgreSQL LISTEN connection is back.';
/** What the store logs when its LISTEN connection fails for `reason` and then comes back. */
const failedThenBack = (reason: string) => [
  ['warn', failed(reason), 'PostgresQrLoginStore'],
  ['log', BACK, 'PostgresQrLoginStore'],
];

/** The store's private listener, to end its connection the way a server or proxy would. */
const listenerOf = (store: PostgresQrLoginStore) =>
  (
    store as unknown as {
      feed: { listener: { client?: { end(): Promise<void> }; reconnectTimer?: NodeJS.Timeout } };
    }
  ).feed.listener;

describe('PostgresListener', () => {
  let server: PostgresServer;
  let admin: Pool;
  const stores: PostgresQrLoginStore[] = [];
  const watches: Watched[] = [];
  const lines: Array<[string, string, string]> = [];
  const recorder: LoggerService = {
    log: (message: string, context: string) => lines.push(['log', message, context]),
    warn: (message: string, context: string) => lines.push(['warn', message, context]),
    error: () => undefined,
  };
  const open = (options: ConstructorParameters<typeof PostgresQrLoginStore>[0] = { connectionString: server.url }) => {
    const store = new PostgresQrLoginStore(options);
    stores.push(store);
    return store;
  };
  const watch = (store: PostgresQrLoginStore, id: string) => {
    const watched = watchInto(store, id);
    watches.push(watched);
    return watched;
  };
  const ofListener = () => lines.filter(([, message]) => message.includes('LISTEN'));
  /** The server process id of a connection (pg's types leave it out). */
  const pidOf = (client: PoolClient) => (client as unknown as { processID: number }).processID;
  /** How many server processes have this pid (0 once that connection is closed). */
  const backends = async (pid: number) =>
    (await admin.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_stat_activity WHERE pid = $1', [pid])).rows[0]
      .n;
  /** Ends a pool even when a connection it handed out was never given back, the leak these tests look for. */
  const endPool = async (pool: Pool, handed: PoolClient[]) => {
    for (const client of handed) {
      try {
        client.release(true);
      } catch {
        // Given back already.
      }
    }
    await pool.end();
  };
  const stopCatching: Array<() => void> = [];
  /** Errors thrown or rejected outside any promise the test awaits, from now until the test ends. */
  const caughtOutsideTests = () => {
    const caught: unknown[] = [];
    const keep = (error: unknown) => caught.push(error);
    process.on('uncaughtException', keep);
    process.on('unhandledRejection', keep);
    stopCatching.push(() => {
      process.off('uncaughtException', keep);
      process.off('unhandledRejection', keep);
    });
    return () => caught.map((error) => (error instanceof Error ? error.message : String(error)));
  };

  /**
   * A pool of two whose first connection `spoil` gets to first, with the log recorded and errors outside
   * the test caught: where the store tries to LISTEN and fails, then listens on the second.
   */
  const firstConnectionSpoiled = (spoil: (client: PoolClient) => void) => {
    Logger.overrideLogger(recorder);
    const pool = new Pool({ connectionString: server.url, max: 2 });
    pool.on('error', () => undefined);
    const crashes = caughtOutsideTests();
    const handed: PoolClient[] = [];
    pool.on('connect', (client) => {
      if (handed.push(client) === 1) spoil(client);
    });
    return { pool, crashes, handed, store: open({ pool }) };
  };

  postgresPerFile({}, (parts) => ({ server, admin } = parts));
  afterEach(async () => {
    for (const stop of stopCatching.splice(0)) stop();
    Logger.overrideLogger(true);
    lines.splice(0);
    for (const watched of watches.splice(0)) watched.subscription.unsubscribe();
    await Promise.all(stores.splice(0).map((store) => store.close()));
  });

  it('ends the watchers when its connection is killed, says so once, and comes back by itself', async () => {
    Logger.overrideLogger(recorder);
    const store = open();
    const writer = open();
    const record = newRecord();
    const first = watch(store, record.id);
    await store.get(record.id);
    const pid = store.listenerPid!;
    expect(pid).toBeTypeOf('number');
    await admin.query('SELECT pg_terminate_backend($1)', [pid]);
    await eventually(() => first.errors.length === 1, 5_000, 'the watcher to hear of the loss');
    expect(first.errors[0]).toBeInstanceOf(QrLoginStoreUnavailableError);
    expect((first.errors[0] as Error).message).toBe(LOST);
    expect(((first.errors[0] as Error).cause as Error).message).toBe(
      'terminating connection due to administrator command',
    );
    expect(store.watchedIds).toBe(0);

    // The listener reconnects in the background, with nobody watching.
    await eventually(() => store.listenerPid !== undefined, 5_000, 'the LISTEN connection to come back');
    expect(store.listenerPid).not.toBe(pid);
    expect(ofListener()).toEqual(failedThenBack('terminating connection due to administrator command'));
    const second = watch(store, record.id);
    await store.get(record.id);
    await writer.create(record);
    await eventually(() => second.records.length === 1, 5_000, 'the create on a watcher after the reconnect');
    expect(second.records).toEqual([record]);
  });

  it('warns again when the connection it came back on is lost in turn', async () => {
    Logger.overrideLogger(recorder);
    const store = open();
    watch(store, 'twice');
    const killed = 'terminating connection due to administrator command';
    for (let round = 0; round < 2; round++) {
      await eventually(() => store.listenerPid !== undefined, 5_000, 'the LISTEN connection');
      const pid = store.listenerPid!;
      await admin.query('SELECT pg_terminate_backend($1)', [pid]);
      await eventually(
        () => store.listenerPid !== undefined && store.listenerPid !== pid,
        5_000,
        'the LISTEN connection to come back',
      );
    }
    expect(ofListener()).toEqual([...failedThenBack(killed), ...failedThenBack(killed)]);
  });

  it('tells a connection that ended without an error apart in its warning', async () => {
    Logger.overrideLogger(recorder);
    const store = open();
    const record = newRecord();
    const seen = watch(store, record.id);
    await store.get(record.id);
    await listenerOf(store).client!.end();
    await eventually(() => seen.errors.length === 1, 5_000, 'the watcher to hear of the end');
    expect((seen.errors[0] as Error).message).toBe(LOST);
    expect((seen.errors[0] as Error).cause).toBeUndefined();
    await eventually(() => store.listenerPid !== undefined, 5_000, 'the LISTEN connection to come back');
    expect(ofListener()).toEqual(failedThenBack('the connection ended'));
  });

  it('fails watchers at once when LISTEN cannot open, and warns once however often it retries', async () => {
    Logger.overrideLogger(recorder);
    // A port nobody listens on: every attempt is refused at once.
    const port = server.port === 1 ? 2 : 1;
    const store = open({ config: { host: '127.0.0.1', port, user: 'postgres' } });
    const seen = watch(store, 'anything');
    await eventually(() => seen.errors.length === 1, 5_000, 'the watcher to fail');
    const error = seen.errors[0] as Error;
    expect(error).toBeInstanceOf(QrLoginStoreUnavailableError);
    expect(error.message).toBe(
      `PostgreSQL could not watch QR codes (connect ECONNREFUSED 127.0.0.1:${port}); check that the database is running and reachable, the store reconnects by itself.`,
    );
    // A read of a watched id waits for the attempt, then fails on its own.
    const again = watch(store, 'anything');
    await expect(store.get('anything')).rejects.toBeInstanceOf(QrLoginStoreUnavailableError);
    await eventually(() => again.errors.length === 1, 5_000, 'the second watcher to fail');
    // Two attempts have failed by now (the second watcher's needed one of its own): one warning says so.
    expect(ofListener()).toEqual([['warn', failed(error.message), 'PostgresQrLoginStore']]);
  });

  it('gives up on a connection the pool cannot hand out in time, returns it when it comes, and listens once it can', async () => {
    Logger.overrideLogger(recorder);
    const pool = new Pool({ connectionString: server.url, max: 1 });
    pool.on('error', () => undefined);
    const held = await pool.connect();
    try {
      const store = open({ pool, callTimeout: 100 });
      const seen = watch(store, 'queued');
      await eventually(() => seen.errors.length === 1, 5_000, 'the watcher to fail');
      const message = 'PostgreSQL did not answer within 100 ms when asked to open a connection to watch QR codes.';
      expect((seen.errors[0] as Error).message).toBe(message);
      held.release();
      // Nobody watches now: the listener comes back in the background, on the connection the late attempts gave back.
      await eventually(() => store.listenerPid !== undefined, 10_000, 'the LISTEN connection in the background');
      expect(pool.totalCount).toBe(1);
      expect(ofListener()).toEqual(failedThenBack(message));
      await store.close();
    } finally {
      await pool.end();
    }
  });

  it('schedules no retry for an attempt that fails after the store was closed', async () => {
    const pool = new Pool({ connectionString: server.url, max: 1 });
    pool.on('error', () => undefined);
    // The pool's one connection is taken: the attempt to LISTEN waits for it, then gives up.
    const held = await pool.connect();
    try {
      const store = open({ pool, callTimeout: 100 });
      const seen = watch(store, 'closed-while-waiting');
      const timers = vi.spyOn(globalThis, 'setTimeout');
      await store.close();
      expect((seen.errors[0] as Error).message).toBe(
        'The PostgreSQL QR login store was closed (the app is shutting down).',
      );
      expect(listenerOf(store).reconnectTimer).toBeUndefined();
      // No retry was even scheduled (a retry waits 50 ms to 1.1 s; the attempt's own deadline is 100 ms).
      expect(timers.mock.calls.filter(([, delay]) => delay !== 100)).toEqual([]);
    } finally {
      vi.restoreAllMocks();
      held.release();
      await pool.end();
    }
  });

  it('destroys a connection on which LISTEN did not answer in time, and listens on a new one', async () => {
    Logger.overrideLogger(recorder);
    const pool = new Pool({ connectionString: server.url, max: 2 });
    pool.on('error', () => undefined);
    const handed: PoolClient[] = [];
    // The first connection is busy long past the deadline before anything else it is asked runs (queued behind
    // the sleep); the deadline leaves a loaded machine room to open and answer on the next one.
    pool.on('connect', (client) => {
      if (handed.push(client) === 1) void client.query('SELECT pg_sleep(5)').catch(() => undefined);
    });
    const store = open({ pool, callTimeout: 1_000 });
    try {
      const seen = watch(store, 'slow');
      await eventually(() => seen.errors.length === 1, 5_000, 'the watcher to fail');
      const message = 'PostgreSQL did not answer within 1000 ms when asked to start listening for QR code changes.';
      expect((seen.errors[0] as Error).message).toBe(message);
      await eventually(() => store.listenerPid !== undefined, 10_000, 'the LISTEN connection on a new connection');
      expect(handed).toHaveLength(2);
      // The slow one was destroyed, not kept or handed back.
      expect(pool.totalCount).toBe(1);
      expect(ofListener()).toEqual(failedThenBack(message));
    } finally {
      await store.close();
      await endPool(pool, handed);
    }
  });

  it('destroys a connection on which the server refuses LISTEN, tells the watchers why, and listens on a new one', async () => {
    // The first connection is left in a failed transaction, where the server refuses every statement.
    const { pool, crashes, handed, store } = firstConnectionSpoiled((client) => {
      void client.query('BEGIN').catch(() => undefined);
      void client.query('SELECT 1 / 0').catch(() => undefined);
    });
    try {
      const seen = watch(store, 'refused');
      await eventually(() => seen.errors.length === 1, 5_000, 'the watcher to fail');
      const message =
        'PostgreSQL refused to watch QR codes: current transaction is aborted, commands ignored until end of transaction block (SQLSTATE 25P02)';
      expect((seen.errors[0] as Error).message).toBe(message);
      const refused = pidOf(handed[0]);
      await eventually(() => store.listenerPid !== undefined, 5_000, 'the LISTEN connection on a new connection');
      // A new connection, not the refused one handed out again.
      expect(store.listenerPid).toBe(pidOf(handed[1]));
      expect(handed).toHaveLength(2);
      // The refused one was destroyed, not kept or handed back: gone from the pool and from the server.
      expect(pool.totalCount).toBe(1);
      await eventually(async () => (await backends(refused)) === 0, 5_000, 'the refused connection to close');
      expect(ofListener()).toEqual(failedThenBack(message));
      expect(crashes()).toEqual([]);
    } finally {
      await store.close();
      await endPool(pool, handed);
    }
  });

  it('blames the attempt, not a lost LISTEN, when the connection dies before LISTEN, and listens on the next one', async () => {
    // The first connection's server process ends itself before it gets to LISTEN.
    const { pool, crashes, handed, store } = firstConnectionSpoiled((client) => {
      void client.query('SELECT pg_terminate_backend(pg_backend_pid())').catch(() => undefined);
    });
    try {
      const writer = open();
      const first = watch(store, 'dying');
      await eventually(() => first.errors.length === 1, 5_000, 'the watcher to fail');
      const message =
        'PostgreSQL could not watch QR codes (Connection terminated unexpectedly); check that the database is running and reachable, the store reconnects by itself.';
      // The failed attempt speaks, not the loss of a connection that never listened.
      expect((first.errors[0] as Error).message).toBe(message);
      await eventually(() => store.listenerPid !== undefined, 5_000, 'the LISTEN connection on a new connection');
      const pid = pidOf(handed[1]);
      expect(store.listenerPid).toBe(pid);
      expect(pool.totalCount).toBe(1);
      // The new connection listens, and changes reach watchers through it.
      const record = newRecord();
      const second = watch(store, record.id);
      await store.get(record.id);
      await writer.create(record);
      await eventually(() => second.records.length === 1, 5_000, 'the create on the watcher');
      expect(second.records).toEqual([record]);
      expect(second.errors).toEqual([]);
      expect(store.listenerPid).toBe(pid);
      expect(ofListener()).toEqual(failedThenBack(message));
      expect(crashes()).toEqual([]);
    } finally {
      await store.close();
      await endPool(pool, handed);
    }
  });

  it('retries after 50, 100, 200 … ms up to 1 s, plus up to 99 ms of jitter, and starts over once back', async () => {
    // Timers on a manual clock; the connections (refused at once, or real) stay real.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    vi.spyOn(Math, 'random').mockReturnValue(0.5);
    const timers = vi.spyOn(globalThis, 'setTimeout');
    const retries = () => timers.mock.calls.map(([, ms]) => ms ?? 0).filter((ms) => ms > 0 && ms < 10_000);
    /** Waits on real I/O, which the manual clock does not move. */
    const until = async (condition: () => boolean) => {
      const end = Date.now() + 5_000;
      while (!condition() && Date.now() < end) await new Promise((resolve) => setImmediate(resolve));
      expect(condition()).toBe(true);
    };
    try {
      const port = server.port === 1 ? 2 : 1;
      const store = open({ config: { host: '127.0.0.1', port, user: 'postgres' }, callTimeout: 10_000 });
      watch(store, 'backoff');
      for (let attempt = 1; attempt <= 8; attempt++) {
        await until(() => retries().length === attempt);
        // A retry waiting must not keep the process alive on shutdown.
        expect(listenerOf(store).reconnectTimer!.hasRef()).toBe(false);
        vi.advanceTimersByTime(retries()[attempt - 1]);
      }
      expect(retries()).toEqual([100, 150, 250, 450, 850, 1_050, 1_050, 1_050]);
      // Closing drops the retry that waits.
      await until(() => retries().length === 9);
      const waiting = listenerOf(store).reconnectTimer;
      const cleared = vi.spyOn(globalThis, 'clearTimeout');
      await store.close();
      expect(waiting).toBeDefined();
      expect(cleared.mock.calls.map(([timer]) => timer)).toContain(waiting);

      const live = open({ connectionString: server.url, callTimeout: 10_000 });
      timers.mockClear();
      watch(live, 'live');
      await until(() => live.listenerPid !== undefined);
      for (let round = 0; round < 2; round++) {
        const pid = live.listenerPid!;
        await admin.query('SELECT pg_terminate_backend($1)', [pid]);
        await until(() => retries().length === round + 1);
        vi.advanceTimersByTime(retries()[round]);
        await until(() => live.listenerPid !== undefined && live.listenerPid !== pid);
      }
      // Each loss after a success starts over at the first delay.
      expect(retries()).toEqual([100, 100]);
    } finally {
      // The spies first: restored after the clock, the setTimeout spy would put the manual one back.
      vi.restoreAllMocks();
      vi.useRealTimers();
    }
  });

  it('destroys its LISTEN connection when the store closes, rather than hand it back to the pool', async () => {
    const pool = new Pool({ connectionString: server.url, max: 2 });
    pool.on('error', () => undefined);
    try {
      const store = open({ pool });
      watch(store, 'listening');
      await eventually(() => store.listenerPid !== undefined, 5_000, 'LISTEN');
      const pid = store.listenerPid!;
      await store.close();
      expect(store.listenerPid).toBeUndefined();
      expect(pool.totalCount).toBe(0);
      await eventually(async () => (await backends(pid)) === 0, 5_000, 'the LISTEN connection to end');
    } finally {
      await pool.end();
    }
  });

  it('keeps no connection when the store closes while LISTEN is opening', async () => {
    const pool = new Pool({ connectionString: server.url, max: 2 });
    pool.on('error', () => undefined);
    try {
      const store = open({ pool });
      const seen = watch(store, 'closing');
      await store.close();
      expect(seen.errors[0]).toBeInstanceOf(QrLoginStoreUnavailableError);
      expect(store.listenerPid).toBeUndefined();
      // Destroyed, not handed back: the pool holds no connection, busy or idle, and none LISTENs on the server.
      expect(pool.totalCount).toBe(0);
      const listening = async () =>
        (
          await admin.query<{ n: string }>('SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = $1', [
            POSTGRES_QR_LOGIN_LISTENER_NAME,
          ])
        ).rows[0].n;
      await eventually(async () => (await listening()) === '0', 5_000, 'no LISTEN connection on the server');
    } finally {
      await pool.end();
    }
  });
});
