import { Logger } from '@nestjs/common';
import type { Observable } from 'rxjs';
// Types only: pg is an optional peer, loaded at run time only when the store has to create its own pool.
import type { Pool, PoolConfig } from 'pg';
import { QrLoginConfigError } from '../../kernel/qr-login.errors';
import type { QrCodeRecord } from '../../kernel/interfaces/qr-code.interface';
import type { QrLoginStore, QrLoginStoreAlias } from '../../kernel/interfaces/qr-login-store.interface';
import type {
  QrLoginRateLimiter,
  QrLoginRateLimitResult,
} from '../../kernel/interfaces/qr-login-rate-limiter.interface';
import { PostgresChangeFeed } from './postgres-change-feed';
import { closedError, noop, PostgresConnection } from './postgres-connection';
import { postgresQrLoginStatements } from './postgres-qr-login.statements';
import {
  ensurePostgresQrLoginSchema,
  postgresQrLoginNames,
  type PostgresQrLoginNames,
  type PostgresQrLoginSchemaOptions,
} from './postgres-qr-login.schema';
import { PostgresSweeper } from './postgres-sweeper';

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

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new QrLoginConfigError(
      `PostgresQrLoginStore "${name}" must be a positive number; got ${JSON.stringify(value)}.`,
    );
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
 * - **Round trips.** create, createWithAlias, get, compareAndSet,
 *   rememberOnce, setAlias, resolveAlias: one statement each. Each change of a watched code: one
 *   read per instance that watches it.
 */
export class PostgresQrLoginStore implements QrLoginStore {
  private readonly logger = new Logger(PostgresQrLoginStore.name);
  private readonly connection: PostgresConnection;
  private readonly names: PostgresQrLoginNames;
  private readonly schemaOptions: PostgresQrLoginSchemaOptions;
  private readonly sql: ReturnType<typeof postgresQrLoginStatements>;
  private readonly feed: PostgresChangeFeed;
  private readonly sweeper: PostgresSweeper;
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
    const callTimeout = positive('callTimeout', options.callTimeout, 1_500);
    const sweepInterval = positive('sweepInterval', options.sweepInterval, 60_000);
    const sweepBatchSize = Math.floor(positive('sweepBatchSize', options.sweepBatchSize, 500));
    this.connection = new PostgresConnection(options, callTimeout, this.names, this.logger);
    this.feed = new PostgresChangeFeed(this.connection, this.names, this.sql.changes, this.logger);
    const { sweepCodes, sweepChanges, sweepKeys } = this.sql;
    this.sweeper = new PostgresSweeper(
      this.connection,
      [sweepCodes, sweepChanges, sweepKeys],
      sweepBatchSize,
      sweepInterval,
    );
  }

  /** The pool queries run on: the given `pool`, or the one the store created. For health checks and diagnostics. */
  get pool(): Pool {
    return this.connection.pool;
  }

  /** The quoted table names and the channel, as used in the store's SQL. For diagnostics and tests. */
  get tables(): Readonly<PostgresQrLoginNames> {
    return this.names;
  }

  /** Number of ids with at least one watcher in this process. For diagnostics and tests. */
  get watchedIds(): number {
    return this.feed.watchedIds;
  }

  /** Server process id of the LISTEN connection while it is up, else undefined. For diagnostics and tests. */
  get listenerPid(): number | undefined {
    return this.feed.listenerPid;
  }

  /** Creates the tables when missing (see `ensurePostgresQrLoginSchema`), through this store's pool. */
  ensureSchema(): Promise<void> {
    return this.connection.call(
      'create its tables',
      (client) => ensurePostgresQrLoginSchema(client, this.schemaOptions).then(noop),
      30_000,
    );
  }

  async create(record: QrCodeRecord): Promise<void> {
    const created = await this.connection.call('create a QR code', (client) =>
      client.query(this.sql.create, [
        record.id,
        record.version,
        JSON.stringify(record),
        expiryOf(record),
        this.names.channel,
      ]),
    );
    if (created.rowCount !== 1) throw new Error(`A QR code with id ${record.id} exists already.`);
  }

  /** The record and its alias in one statement (one transaction): both are written, or neither. */
  async createWithAlias(record: QrCodeRecord, alias: QrLoginStoreAlias): Promise<boolean> {
    const result = await this.connection.call('create a QR code', (client) =>
      client.query<{ aliased: number }>(this.sql.createWithAlias, [
        record.id,
        record.version,
        JSON.stringify(record),
        expiryOf(record),
        this.names.channel,
        alias.key,
        Math.ceil(alias.expiresAt),
      ]),
    );
    return result.rows[0]?.aliased === 1;
  }

  async get(id: string): Promise<QrCodeRecord | null> {
    // "Watch, then read": a change committed after this read must reach the watcher, so LISTEN must be in place first.
    const result = await this.connection.call(
      'read a QR code',
      (client) => client.query<{ json: string }>(this.sql.get, [id]),
      undefined,
      this.feed.readyFor(id),
    );
    return result.rows.length ? (JSON.parse(result.rows[0].json) as QrCodeRecord) : null;
  }

  async compareAndSet(id: string, expectedVersion: number, next: QrCodeRecord): Promise<boolean> {
    const written = await this.connection.call('update a QR code', (client) =>
      client.query(this.sql.compareAndSet, [
        id,
        expectedVersion,
        next.version,
        JSON.stringify(next),
        expiryOf(next),
        this.names.channel,
      ]),
    );
    return written.rowCount === 1;
  }

  async rememberOnce(key: string, ttlMs: number): Promise<boolean> {
    const kept = await this.connection.call('remember a one-time fact', (client) =>
      client.query(this.sql.rememberOnce, [key, Math.max(1, Math.ceil(ttlMs))]),
    );
    return kept.rowCount === 1;
  }

  async setAlias(alias: string, id: string, expiresAt: number): Promise<boolean> {
    const kept = await this.connection.call('store an alias', (client) =>
      client.query(this.sql.setAlias, [alias, id, Math.ceil(expiresAt)]),
    );
    return kept.rowCount === 1;
  }

  /**
   * The module's default limiter on this store: fixed-window counters in the
   * keys table (one upsert per hit, keys under `qr-login:rate:`), shared by every
   * instance on the database; the database clock times the windows.
   */
  createRateLimiter(): QrLoginRateLimiter {
    return {
      hit: async (key: string, limit: number, windowMs: number): Promise<QrLoginRateLimitResult> => {
        const result = await this.connection.call('count a rate-limit hit', (client) =>
          client.query<{ count: string; reset_ms: number }>(this.sql.rateHit, [
            `qr-login:rate:${key}`,
            Math.max(1, Math.ceil(windowMs)),
          ]),
        );
        const count = Number(result.rows[0].count);
        return { allowed: count <= limit, count, resetInMs: Number(result.rows[0].reset_ms) };
      },
    };
  }

  async resolveAlias(alias: string): Promise<string | null> {
    const result = await this.connection.call('read an alias', (client) =>
      client.query<{ value: string }>(this.sql.resolveAlias, [alias]),
    );
    return result.rows.length ? result.rows[0].value : null;
  }

  watch(id: string): Observable<QrCodeRecord> {
    return this.feed.watch(id);
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
    this.connection.close();
    const swept = this.sweeper.stop();
    await this.feed.close(closedError());
    await swept;
    await this.connection.end();
  }
}

function expiryOf(record: QrCodeRecord): number {
  if (typeof record.retainUntil !== 'number' || !Number.isFinite(record.retainUntil)) {
    throw new TypeError(
      `QR code ${record.id} has no valid retainUntil (ms since the epoch): ${String(record.retainUntil)}.`,
    );
  }
  return Math.ceil(record.retainUntil);
}
