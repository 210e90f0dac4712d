import type { Logger } from '@nestjs/common';
// Types only: pg is an optional peer, loaded at run time only when the store has to create its own pool.
import type { Pool, PoolClient } from 'pg';
import { QrLoginConfigError, QrLoginStoreUnavailableError } from '../../kernel/qr-login.errors';
import { requireOptionalPeer } from '../../kernel/qr-login.optional-peer';
import type { PostgresQrLoginNames } from './postgres-qr-login.schema';
import type { PostgresQrLoginStoreOptions } from './postgres-qr-login.store';

// Internal to the Postgres store; not part of the public API.

/** @internal */
export const noop = () => undefined;

/**
 * SQLSTATE classes and codes that mean "the database cannot serve right now"
 * rather than "this statement is wrong": connection exceptions (08), too
 * many connections or out of resources (53), shutdown or not yet accepting
 * connections (57P0x), a statement cancelled by `statement_timeout` (57014),
 * serialization failures and deadlocks (40001, 40P01), system errors (58).
 */
const TRANSIENT_SQLSTATE = /^(08|53|57P0|57014|40001|40P01|58)/;

/** Where the pool comes from: exactly one of these store options. @internal */
export type PostgresPoolSource = Pick<PostgresQrLoginStoreOptions, 'pool' | 'connectionString' | 'config'>;

/**
 * The store's way to the database: the pool (given, or created and owned),
 * and `call`, which every query of the store, its change feed and its
 * sweeper goes through, so each settles within `callTimeout` ms and a
 * connection problem always surfaces as `QrLoginStoreUnavailableError`.
 * @internal
 */
export class PostgresConnection {
  /** The pool queries run on. */
  readonly pool: Pool;
  /** Whether the pool was created here, and so is ended by `end()`. */
  readonly ownsPool: boolean;
  private closed = false;

  constructor(
    source: PostgresPoolSource,
    /** How long one call may take, waiting for a connection included (ms). */
    readonly callTimeout: number,
    private readonly names: PostgresQrLoginNames,
    logger: Logger,
  ) {
    if (source.pool) {
      if (typeof source.pool.connect !== 'function' || typeof source.pool.query !== 'function') {
        throw new QrLoginConfigError(
          'PostgresQrLoginStore "pool" must be a pg.Pool (something with connect() and query()).',
        );
      }
      this.pool = source.pool;
      this.ownsPool = false;
      return;
    }
    const { Pool: PgPool } = requireOptionalPeer<typeof import('pg')>(
      () => require('pg'),
      'pg',
      'PostgresQrLoginStore needs the "pg" package (version 8 or later), which is not installed. ' +
        'Run `npm install pg`, or pass a ready pg.Pool as the "pool" option.',
    );
    this.pool = new PgPool({
      // A database that does not answer fails the call instead of queueing it.
      connectionTimeoutMillis: callTimeout,
      // The server cancels a statement that runs too long, so a call reported as failed has no late effect.
      statement_timeout: callTimeout,
      // Notices a silently dropped connection (the LISTEN one above all) within minutes rather than hours.
      keepAlive: true,
      ...(source.connectionString !== undefined ? { connectionString: source.connectionString } : source.config),
    });
    this.ownsPool = true;
    // The same guard from the moment the pool hands a connection out, which `call` cannot reach.
    this.pool.on('acquire', (client) => {
      if (client.listeners('error').includes(noop)) return;
      client.on('error', noop);
    });
    let down = false;
    // pg emits errors of idle connections on the pool (e.g. the server restarting); without a listener they would crash the app.
    this.pool.on('error', (error: Error) => {
      if (down || this.closed) return;
      down = true;
      logger.warn(`A PostgreSQL connection was lost (${error.message}); the pool opens new ones as needed.`);
      setTimeout(() => (down = false), 10_000).unref();
    });
  }

  /** True once `close()` was called: every later call fails with the "store was closed" error. */
  get isClosed(): boolean {
    return this.closed;
  }

  /**
   * Runs one call on a pooled connection within `timeout` ms, waiting for a
   * connection included, and turns every connection problem into
   * `QrLoginStoreUnavailableError`. `after` is awaited first, within the same time.
   */
  async call<T>(
    what: string,
    run: (client: PoolClient) => Promise<T>,
    timeout = this.callTimeout,
    after?: Promise<void>,
  ): Promise<T> {
    if (this.closed) throw closedError();
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
      await after;
      const client = await this.pool.connect();
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
      throw this.fault(error, what);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Connection and capacity problems become QrLoginStoreUnavailableError (503); anything else stays an error of its own. */
  fault(error: unknown, what: string): Error {
    if (error instanceof QrLoginStoreUnavailableError || error instanceof QrLoginConfigError) return error;
    const message = error instanceof Error ? error.message : String(error);
    const state = sqlStateOf(error);
    if (state === '42P01') {
      const { codes, changes, keys } = this.names;
      return new Error(
        `PostgreSQL could not ${what}: ${message}. Create the store's tables (${codes}, ${changes}, ${keys}) ` +
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

  /** Refuses every call from now on; calls in flight finish. */
  close(): void {
    this.closed = true;
  }

  /** Ends the pool when it was created here; a given pool stays open. */
  async end(): Promise<void> {
    if (this.ownsPool) await this.pool.end().catch(noop);
  }
}

/** @internal */
export function closedError(): QrLoginStoreUnavailableError {
  return new QrLoginStoreUnavailableError('The PostgreSQL QR login store was closed (the app is shutting down).');
}

/** @internal */
export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new QrLoginStoreUnavailableError(`PostgreSQL did not answer within ${ms} ms when asked to ${what}.`),
            ),
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
