import { Logger } from '@nestjs/common';
import { Observable, Subject } from 'rxjs';
// Types only: pg is an optional peer, loaded at run time only when the store has to create its own pool.
import type { Notification, Pool, PoolClient, PoolConfig } from 'pg';
import { QrLoginConfigError, QrLoginStoreUnavailableError } from '../../kernel/qr-login.errors';
import type { QrCodeRecord } from '../../kernel/interfaces/qr-code.interface';
import type { QrLoginStore } from '../../kernel/interfaces/qr-login-store.interface';
import { postgresQrLoginStatements } from './postgres-qr-login.statements';
import {
  ensurePostgresQrLoginSchema,
  postgresQrLoginNames,
  type PostgresQrLoginNames,
  type PostgresQrLoginSchemaOptions,
} from './postgres-qr-login.schema';

/** Options of `PostgresQrLoginStore`. Give exactly one of `pool`, `connectionString` or `config`. */
export interface PostgresQrLoginStoreOptions extends PostgresQrLoginSchemaOptions {
  /**
   * A ready `pg.Pool`. The store runs its queries on it and holds one of its
   * connections for LISTEN while anything is watched; it never ends the pool.
   * Give the pool an `'error'` listener (pg requires one for idle connections
   * a restarting server drops). Default: none.
   */
  pool?: Pool;
  /** Connection URL, e.g. `postgres://user:password@host:5432/app`; the store creates and owns its pool. Default: none. */
  connectionString?: string;
  /**
   * `pg.Pool` options; the store creates and owns the pool. They are laid over
   * the store's fail-fast defaults (connection timeout, statement timeout,
   * TCP keep-alive), so a field given here overrides the default. Default: none.
   */
  config?: PoolConfig;
  /**
   * How long one store call may take, waiting for a connection included,
   * before it fails with `QrLoginStoreUnavailableError` (503), in ms. Also the
   * server-side `statement_timeout` of a pool the store creates. Default `1500`.
   */
  callTimeout?: number;
  /** How often expired rows are deleted, in ms. Reads ignore expired rows anyway, so this only bounds table size. Default `60000`. */
  sweepInterval?: number;
  /** Most rows one sweep statement deletes, so no sweep holds locks or a transaction for long. Default `500`. */
  sweepBatchSize?: number;
}

/** Longest pause between two attempts to bring the LISTEN connection back (ms). */
const MAX_RECONNECT_DELAY_MS = 1_000;
/** Most batches one sweep deletes per table before waiting for the next tick, so a backlog is worked off in steps. */
const MAX_BATCHES_PER_SWEEP = 20;
/** Shown in `pg_stat_activity`, so operators can tell the store's LISTEN connection from its query connections. */
export const POSTGRES_QR_LOGIN_LISTENER_NAME = 'qr-login-listener';

/**
 * SQLSTATE classes and codes that mean "the database cannot serve right now"
 * rather than "this statement is wrong": connection exceptions (08), too
 * many connections or out of resources (53), shutdown or not yet accepting
 * connections (57P0x), a statement cancelled by `statement_timeout` (57014),
 * serialization failures and deadlocks (40001, 40P01), system errors (58).
 */
const TRANSIENT_SQLSTATE = /^(08|53|57P0|57014|40001|40P01|58)/;

interface WatchedCode {
  readonly id: string;
  /** Raw JSON of each version to deliver; every watcher parses its own copy. */
  readonly records: Subject<string>;
  /** Watchers of this id in this process. */
  refs: number;
  /** Highest version delivered (or skipped); unset until the first notification after subscribing. */
  delivered?: number;
  /** Highest version announced by a notification. */
  announced: number;
  /** A read of announced versions is running; further notifications only raise `announced`. */
  reading: boolean;
}

const noop = () => undefined;

function loadPg(): typeof import('pg') {
  try {
    // A plain require, not an import: pg is an optional peer and must not be needed by apps that never use this store.
    return require('pg');
  } catch (error) {
    if ((error as NodeJS.ErrnoException)?.code === 'MODULE_NOT_FOUND' && String((error as Error).message).includes("'pg'")) {
      throw new QrLoginConfigError(
        'PostgresQrLoginStore needs the "pg" package (version 8 or later), which is not installed. ' +
          'Run `npm install pg`, or pass a ready pg.Pool as the "pool" option.',
      );
    }
    throw error;
  }
}

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new QrLoginConfigError(`PostgresQrLoginStore "${name}" must be a positive number; got ${JSON.stringify(value)}.`);
  }
  return value;
}

/**
 * A store on PostgreSQL through `pg`, for apps that run several instances
 * and already have a database: any instance may serve any step of a login.
 *
 * - **Tables.** See `postgresQrLoginSchemaSql`: create them with your
 *   migrations or `ensurePostgresQrLoginSchema` / `store.ensureSchema()`.
 * - **Atomicity.** `create` and `compareAndSet` are one statement each: the
 *   write, the row in `code_changes` and `pg_notify` commit together, so a
 *   watcher never hears of a change that is not stored. Compare-and-set is
 *   `UPDATE … WHERE id = $1 AND version = $2 AND retain_until > now()`.
 * - **Expiry.** Reads ignore rows past `retain_until` (the database clock
 *   decides, so keep app hosts and the database on synchronised clocks); a
 *   sweeper on one unref'd timer deletes them in batches of `sweepBatchSize`,
 *   skipping locked rows, so it never waits on a login in progress.
 * - **Change feed.** One connection per store LISTENs on one channel for
 *   every code; a notification carries only `version:id`. For an id watched
 *   in this process the store reads the announced versions from
 *   `code_changes` and hands them to that id's watchers in version order;
 *   ids nobody watches here cost nothing. A read (`get`) of a watched id
 *   waits for the LISTEN to be in place, so "watch, then read" misses nothing.
 * - **Faults.** Every call settles within `callTimeout`: while the database
 *   is away it rejects with `QrLoginStoreUnavailableError` (answered as 503).
 *   When the LISTEN connection drops, every current watcher errors with that
 *   error (notifications sent meanwhile are lost, so a stream cannot go on
 *   silently) and the store reconnects in the background, with backoff.
 * - **Round trips.** create, get, compareAndSet, rememberOnce, setAlias,
 *   resolveAlias: one statement each. Each change of a watched code: one
 *   read per instance that watches it.
 */
export class PostgresQrLoginStore implements QrLoginStore {
  private readonly logger = new Logger(PostgresQrLoginStore.name);
  private readonly db: Pool;
  private readonly ownsPool: boolean;
  private readonly names: PostgresQrLoginNames;
  private readonly schemaOptions: PostgresQrLoginSchemaOptions;
  private readonly callTimeout: number;
  private readonly sweepBatchSize: number;
  private readonly sql: ReturnType<typeof postgresQrLoginStatements>;
  private readonly watched = new Map<string, WatchedCode>();
  /** The LISTEN connection, once LISTEN is confirmed. */
  private listener?: PoolClient;
  /** The attempt in flight to open the LISTEN connection. */
  private listening?: Promise<void>;
  private reconnectTimer?: NodeJS.Timeout;
  private reconnectAttempts = 0;
  private listenerDown = false;
  private readonly sweeper: NodeJS.Timeout;
  private sweeping?: Promise<void>;
  private closing?: Promise<void>;

  constructor(options: PostgresQrLoginStoreOptions) {
    const given = (['pool', 'connectionString', 'config'] as const).filter((field) => options?.[field] !== undefined);
    if (given.length !== 1) {
      throw new QrLoginConfigError(
        `PostgresQrLoginStore needs exactly one of "pool" (a ready pg.Pool), "connectionString" or "config"; got ${
          given.length === 0 ? 'none' : given.map((field) => `"${field}"`).join(' and ')
        }.`,
      );
    }
    this.schemaOptions = { schema: options.schema, tablePrefix: options.tablePrefix };
    this.names = postgresQrLoginNames(this.schemaOptions);
    this.sql = postgresQrLoginStatements(this.names);
    this.callTimeout = positive('callTimeout', options.callTimeout, 1_500);
    const sweepInterval = positive('sweepInterval', options.sweepInterval, 60_000);
    this.sweepBatchSize = Math.floor(positive('sweepBatchSize', options.sweepBatchSize, 500));

    if (options.pool) {
      if (typeof options.pool.connect !== 'function' || typeof options.pool.query !== 'function') {
        throw new QrLoginConfigError('PostgresQrLoginStore "pool" must be a pg.Pool (something with connect() and query()).');
      }
      this.db = options.pool;
      this.ownsPool = false;
    } else {
      const { Pool: PgPool } = loadPg();
      this.db = new PgPool({
        // A database that does not answer fails the call instead of queueing it.
        connectionTimeoutMillis: this.callTimeout,
        // The server cancels a statement that runs too long, so a call reported as failed has no late effect.
        statement_timeout: this.callTimeout,
        // Notices a silently dropped connection (the LISTEN one above all) within minutes rather than hours.
        keepAlive: true,
        ...(options.connectionString !== undefined ? { connectionString: options.connectionString } : options.config),
      });
      this.ownsPool = true;
      // The same guard from the moment the pool hands a connection out, which `call` cannot reach.
      this.db.on('acquire', (client) => {
        if (client.listeners('error').includes(noop)) return;
        client.on('error', noop);
      });
      let down = false;
      // pg emits errors of idle connections on the pool (e.g. the server restarting); without a listener they would crash the app.
      this.db.on('error', (error: Error) => {
        if (down || this.closing) return;
        down = true;
        this.logger.warn(`A PostgreSQL connection was lost (${error.message}); the pool opens new ones as needed.`);
        setTimeout(() => (down = false), 10_000).unref();
      });
    }

    this.sweeper = setInterval(() => void this.sweep(), sweepInterval);
    // Expired rows waiting for a sweep must not keep the process alive on shutdown.
    this.sweeper.unref();
  }

  /** The pool queries run on: the given `pool`, or the one the store created. For health checks and diagnostics. */
  get pool(): Pool {
    return this.db;
  }

  /** The quoted table names and the channel, as used in the store's SQL. For diagnostics and tests. */
  get tables(): Readonly<PostgresQrLoginNames> {
    return this.names;
  }

  /** Number of ids with at least one watcher in this process. For diagnostics and tests. */
  get watchedIds(): number {
    return this.watched.size;
  }

  /** Server process id of the LISTEN connection while it is up, else undefined. For diagnostics and tests. */
  get listenerPid(): number | undefined {
    return (this.listener as { processID?: number } | undefined)?.processID;
  }

  /** Creates the tables when missing (see `ensurePostgresQrLoginSchema`), through this store's pool. */
  ensureSchema(): Promise<void> {
    return this.call('create its tables', (client) => ensurePostgresQrLoginSchema(client, this.schemaOptions).then(noop), 30_000);
  }

  async create(record: QrCodeRecord): Promise<void> {
    const created = await this.call('create a QR code', (client) =>
      client.query(this.sql.create, [record.id, record.version, JSON.stringify(record), expiryOf(record), this.names.channel]),
    );
    if (created.rowCount !== 1) throw new Error(`A QR code with id ${record.id} exists already.`);
  }

  async get(id: string): Promise<QrCodeRecord | null> {
    // "Watch, then read": a change committed after this read must reach the watcher, so LISTEN must be in place first.
    const waitFor = this.watched.has(id) && !this.listener ? this.listening : undefined;
    const result = await this.call(
      'read a QR code',
      (client) => client.query<{ json: string }>(this.sql.get, [id]),
      undefined,
      waitFor?.catch(noop),
    );
    return result.rows.length ? (JSON.parse(result.rows[0].json) as QrCodeRecord) : null;
  }

  async compareAndSet(id: string, expectedVersion: number, next: QrCodeRecord): Promise<boolean> {
    const written = await this.call('update a QR code', (client) =>
      client.query(this.sql.compareAndSet, [id, expectedVersion, next.version, JSON.stringify(next), expiryOf(next), this.names.channel]),
    );
    return written.rowCount === 1;
  }

  async rememberOnce(key: string, ttlMs: number): Promise<boolean> {
    const kept = await this.call('remember a one-time fact', (client) =>
      client.query(this.sql.rememberOnce, [key, Math.max(1, Math.ceil(ttlMs))]),
    );
    return kept.rowCount === 1;
  }

  async setAlias(alias: string, id: string, expiresAt: number): Promise<boolean> {
    const kept = await this.call('store an alias', (client) => client.query(this.sql.setAlias, [alias, id, Math.ceil(expiresAt)]));
    return kept.rowCount === 1;
  }

  async resolveAlias(alias: string): Promise<string | null> {
    const result = await this.call('read an alias', (client) => client.query<{ value: string }>(this.sql.resolveAlias, [alias]));
    return result.rows.length ? result.rows[0].value : null;
  }

  watch(id: string): Observable<QrCodeRecord> {
    return new Observable<QrCodeRecord>((subscriber) => {
      if (this.closing) {
        subscriber.error(closedError());
        return;
      }
      const code = this.retain(id);
      // Versions are delivered in order; this only drops one a watcher has seen already.
      let lastVersion = 0;
      const inner = code.records.subscribe({
        next: (json) => {
          const record = JSON.parse(json) as QrCodeRecord;
          if (!(record.version > lastVersion)) return;
          lastVersion = record.version;
          subscriber.next(record);
        },
        error: (error) => subscriber.error(error),
        complete: () => subscriber.complete(),
      });
      if (!this.listener) void this.startListening().catch(noop);
      return () => {
        inner.unsubscribe();
        this.release(code);
      };
    });
  }

  /**
   * Ends current watches (with `QrLoginStoreUnavailableError`), stops the
   * sweeper, closes the LISTEN connection, and ends the pool when the store
   * created it. A given `pool` stays open.
   */
  close(): Promise<void> {
    this.closing ??= this.shutDown();
    return this.closing;
  }

  private async shutDown(): Promise<void> {
    clearInterval(this.sweeper);
    clearTimeout(this.reconnectTimer);
    this.failAllWatchers(closedError());
    const listener = this.listener;
    this.listener = undefined;
    // Destroyed, not returned: a connection still LISTENing must not go back into a pool the app keeps using.
    listener?.release(true);
    await this.listening?.catch(noop);
    await this.sweeping;
    if (this.ownsPool) await this.db.end().catch(noop);
  }

  /**
   * Runs one call on a pooled connection within `timeout` ms, waiting for a
   * connection included, and turns every connection problem into
   * `QrLoginStoreUnavailableError`. `after` is awaited first, within the same time.
   */
  private async call<T>(what: string, run: (client: PoolClient) => Promise<T>, timeout = this.callTimeout, after?: Promise<void>): Promise<T> {
    if (this.closing) throw closedError();
    let gaveUp = false;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        gaveUp = true;
        reject(
          new QrLoginStoreUnavailableError(
            `PostgreSQL did not answer within ${timeout} ms when asked to ${what}; check that the database is running, reachable and not overloaded.`,
          ),
        );
      }, timeout);
    });
    const attempt = (async () => {
      if (after) await after;
      const client = await this.db.connect();
      // pg-pool listens for errors only on idle connections. A server that shuts down sends its last
      // message right behind a query's answer, before this call has released the connection, and an
      // 'error' nobody listens for would crash the app; the failed connection is dropped on release.
      client.on('error', noop);
      const release = (error?: Error) => {
        client.release(error);
        client.removeListener('error', noop);
      };
      // Past the deadline the caller has been told it failed, so it must not happen after all.
      if (gaveUp) {
        release();
        throw new QrLoginStoreUnavailableError(`Gave up trying to ${what}.`);
      }
      try {
        const result = await run(client);
        release();
        return result;
      } catch (error) {
        // A connection that failed is dropped rather than handed to the next call.
        release(isTransient(error) ? (error as Error) : undefined);
        throw error;
      }
    })();
    // Settles after the caller may have moved on; its outcome is reported through the race only.
    attempt.catch(noop);
    try {
      return await Promise.race([attempt, deadline]);
    } catch (error) {
      throw storeError(error, what, this.names);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Opens the LISTEN connection unless it is open or opening; resolves once LISTEN is confirmed. */
  private startListening(): Promise<void> {
    if (this.listener) return Promise.resolve();
    this.listening ??= this.listen().then(
      () => {
        this.listening = undefined;
      },
      (error: unknown) => {
        this.listening = undefined;
        const failure = error instanceof QrLoginStoreUnavailableError ? error : storeError(error, 'watch QR codes', this.names);
        // Nobody is listening for these ids, so their watchers cannot go on.
        this.failAllWatchers(failure);
        this.noteListenerDown(failure.message);
        this.reconnectLater();
        throw failure;
      },
    );
    return this.listening;
  }

  private async listen(): Promise<void> {
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    if (this.closing) throw closedError();
    const pending = this.db.connect();
    let client: PoolClient;
    try {
      client = await withTimeout(pending, this.callTimeout, 'open a connection to watch QR codes');
    } catch (error) {
      // One that arrives after the deadline goes straight back.
      pending.then((late) => late.release(), noop);
      throw error;
    }
    // Held, not released: the connection is the store's until it fails or the store closes.
    const lost = (error?: Error) => this.listenerLost(client, error);
    client.on('error', lost);
    client.on('end', () => lost());
    client.on('notification', (message: Notification) => {
      if (message.channel === this.names.channel && message.payload) this.announced(message.payload);
    });
    try {
      await withTimeout(
        client.query(`SET application_name = '${POSTGRES_QR_LOGIN_LISTENER_NAME}'; LISTEN ${this.names.channelIdentifier}`),
        this.callTimeout,
        'start listening for QR code changes',
      );
    } catch (error) {
      client.removeAllListeners('notification');
      client.on('error', noop);
      client.release(true);
      throw error;
    }
    if (this.closing) {
      client.release(true);
      return;
    }
    this.listener = client;
    this.reconnectAttempts = 0;
    if (this.listenerDown) {
      this.listenerDown = false;
      this.logger.log('The PostgreSQL LISTEN connection is back.');
    }
  }

  private listenerLost(client: PoolClient, error?: Error): void {
    if (this.listener !== client) return;
    this.listener = undefined;
    client.removeAllListeners('notification');
    // Later errors of the dead connection must find a listener, or pg would crash the app.
    client.on('error', noop);
    client.release(error ?? true);
    if (this.closing) return;
    const failure = new QrLoginStoreUnavailableError(
      'The PostgreSQL connection that carries QR code changes was lost; open the stream again once the database is reachable.',
      { cause: error },
    );
    this.failAllWatchers(failure);
    this.noteListenerDown(error?.message ?? 'the connection ended');
    this.reconnectLater();
  }

  /** Brings the LISTEN connection back in the background: 50, 100, 200 … ms, capped, with jitter. */
  private reconnectLater(): void {
    if (this.closing || this.reconnectTimer || this.listening || this.listener) return;
    const attempt = ++this.reconnectAttempts;
    const delay = Math.min(50 * 2 ** Math.min(attempt - 1, 10), MAX_RECONNECT_DELAY_MS) + Math.floor(Math.random() * 100);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      void this.startListening().catch(noop);
    }, delay);
    this.reconnectTimer.unref();
  }

  private noteListenerDown(reason: string): void {
    if (this.listenerDown || this.closing) return;
    this.listenerDown = true;
    this.logger.warn(
      `PostgreSQL LISTEN connection failed (${reason}); watches fail with QrLoginStoreUnavailableError until it reconnects, which it keeps trying.`,
    );
  }

  /** A notification `version:id`: reads the announced versions when this process watches the id. */
  private announced(payload: string): void {
    const colon = payload.indexOf(':');
    const version = Number(payload.slice(0, colon));
    const code = this.watched.get(payload.slice(colon + 1));
    if (!code || !Number.isInteger(version)) return;
    // Notifications arrive in commit order, which for one id is version order: the first one after
    // subscribing is the oldest change this watch has to deliver.
    code.delivered ??= version - 1;
    if (version <= code.delivered) return;
    code.announced = Math.max(code.announced, version);
    if (!code.reading) void this.readAnnounced(code);
  }

  /** Reads and delivers every announced, undelivered version of a code, in order, one read at a time per id. */
  private async readAnnounced(code: WatchedCode): Promise<void> {
    code.reading = true;
    try {
      while (this.watched.get(code.id) === code && code.announced > code.delivered!) {
        const upTo = code.announced;
        const result = await this.call('read a QR code change', (client) =>
          client.query<{ version: number; json: string }>(this.sql.changes, [code.id, code.delivered, upTo]),
        );
        for (const row of result.rows) code.records.next(row.json);
        // A version gone from the table expired with its code, which the service derives from expiresAt.
        code.delivered = Math.max(code.delivered!, upTo);
      }
    } catch (error) {
      // The change happened but cannot be read, so the stream cannot go on silently.
      this.dropWatched(code, error instanceof QrLoginStoreUnavailableError ? error : storeError(error, 'read a QR code change', this.names));
    } finally {
      code.reading = false;
    }
  }

  /** Adds a watcher of an id. */
  private retain(id: string): WatchedCode {
    let code = this.watched.get(id);
    if (!code) {
      code = { id, records: new Subject<string>(), refs: 0, announced: 0, reading: false };
      this.watched.set(id, code);
    }
    code.refs++;
    return code;
  }

  /** Removes a watcher; the LISTEN stays, since it serves every id. */
  private release(code: WatchedCode): void {
    if (--code.refs > 0 || this.watched.get(code.id) !== code) return;
    this.watched.delete(code.id);
  }

  private dropWatched(code: WatchedCode, error: Error): void {
    if (this.watched.get(code.id) === code) this.watched.delete(code.id);
    code.records.error(error);
  }

  private failAllWatchers(error: Error): void {
    for (const code of [...this.watched.values()]) this.dropWatched(code, error);
  }

  /** Deletes expired rows in small batches; one sweep at a time; a failure waits for the next tick. */
  private sweep(): Promise<void> {
    if (this.sweeping || this.closing) return this.sweeping ?? Promise.resolve();
    this.sweeping = (async () => {
      try {
        for (const statement of [this.sql.sweepCodes, this.sql.sweepChanges, this.sql.sweepKeys]) {
          for (let batch = 0; batch < MAX_BATCHES_PER_SWEEP && !this.closing; batch++) {
            const deleted = await this.call('delete expired rows', (client) => client.query(statement, [this.sweepBatchSize]));
            if ((deleted.rowCount ?? 0) < this.sweepBatchSize) break;
          }
        }
      } catch {
        // The database is away or busy: reads ignore expired rows, so the next tick is soon enough.
      } finally {
        this.sweeping = undefined;
      }
    })();
    return this.sweeping;
  }
}

function expiryOf(record: QrCodeRecord): number {
  if (typeof record.retainUntil !== 'number' || !Number.isFinite(record.retainUntil)) {
    throw new TypeError(`QR code ${record.id} has no valid retainUntil (ms since the epoch): ${String(record.retainUntil)}.`);
  }
  return Math.ceil(record.retainUntil);
}

function closedError(): QrLoginStoreUnavailableError {
  return new QrLoginStoreUnavailableError('The PostgreSQL QR login store was closed (the app is shutting down).');
}

async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new QrLoginStoreUnavailableError(`PostgreSQL did not answer within ${ms} ms when asked to ${what}.`)),
          ms,
        );
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** A SQLSTATE from the server, when the error carries one (network errors carry errno names such as ECONNREFUSED instead). */
function sqlStateOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

function isTransient(error: unknown): boolean {
  const state = sqlStateOf(error);
  return state === undefined || TRANSIENT_SQLSTATE.test(state);
}

/** Connection and capacity problems become QrLoginStoreUnavailableError (503); anything else stays an error of its own. */
function storeError(error: unknown, what: string, names: PostgresQrLoginNames): Error {
  if (error instanceof QrLoginStoreUnavailableError || error instanceof QrLoginConfigError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const state = sqlStateOf(error);
  if (state === '42P01') {
    return new Error(
      `PostgreSQL could not ${what}: ${message}. Create the store's tables (${names.codes}, ${names.changes}, ${names.keys}) ` +
        'with your migrations (postgresQrLoginSchemaSql()) or once at start-up with ensurePostgresQrLoginSchema(pool) / store.ensureSchema().',
      { cause: error },
    );
  }
  if (state !== undefined && !TRANSIENT_SQLSTATE.test(state)) {
    return new Error(`PostgreSQL refused to ${what}: ${message} (SQLSTATE ${state})`, { cause: error });
  }
  return new QrLoginStoreUnavailableError(
    `PostgreSQL could not ${what} (${message}); check that the database is running and reachable, the store reconnects by itself.`,
    { cause: error },
  );
}
