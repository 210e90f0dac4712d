import { QrLoginStoreUnavailableError } from '../../kernel/qr-login.errors';
import { CALL_TIMEOUT_MS, whenReady, type RedisConnection } from './redis-connection';

// Internal to the Redis store: every call it makes goes through `RedisCalls.call`.

/** Replies that mean "Redis cannot serve right now" rather than "this call is wrong". */
const TRANSIENT_REPLY =
  /^(LOADING|BUSY|TRYAGAIN|CLUSTERDOWN|MASTERDOWN|READONLY|OOM|MISCONF|NOREPLICAS|NOAUTH|WRONGPASS)\b/;

/**
 * The fail-fast wrapper of the store's Redis calls: each settles within
 * CALL_TIMEOUT_MS, and every connection problem becomes
 * QrLoginStoreUnavailableError (503). Once closed, every call is refused.
 * @internal
 */
export class RedisCalls {
  private isClosed = false;

  /** `ownsClient`: the command connection was created by the store, so its own `commandTimeout` bounds a call. */
  constructor(private readonly ownsClient: boolean) {}

  /** True once the store is closing: calls and new watches are refused. */
  get closed(): boolean {
    return this.isClosed;
  }

  close(): void {
    this.isClosed = true;
  }

  /**
   * Runs one Redis call within CALL_TIMEOUT_MS, waiting for a connection
   * that is being set up, and turns every connection problem into
   * QrLoginStoreUnavailableError. `after` is awaited first, within the same time.
   */
  async call<T>(connection: RedisConnection, what: string, run: () => Promise<T>, after?: Promise<void>): Promise<T> {
    if (this.isClosed) throw closedError();
    // The hot path: on a ready connection the store made, ioredis's own
    // commandTimeout bounds the call, so no timer and race are needed per call.
    if (this.ownsClient && !after && connection.status === 'ready') {
      try {
        return await run();
      } catch (error) {
        throw storeError(error, what);
      }
    }
    let gaveUp = false;
    let timer: NodeJS.Timeout | undefined;
    const deadline = Date.now() + CALL_TIMEOUT_MS;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        gaveUp = true;
        reject(
          new QrLoginStoreUnavailableError(
            `Redis did not answer within ${CALL_TIMEOUT_MS} ms when asked to ${what}; check that Redis is running, reachable and not overloaded.`,
          ),
        );
      }, CALL_TIMEOUT_MS);
    });
    const attempt = (async () => {
      await after;
      await whenReady(connection, deadline);
      // Past the deadline the caller has been told it failed, so it must not happen after all.
      if (gaveUp) throw new QrLoginStoreUnavailableError(`Gave up trying to ${what}.`);
      return run();
    })();
    try {
      return await Promise.race([attempt, timeout]);
    } catch (error) {
      throw storeError(error, what);
    } finally {
      clearTimeout(timer);
    }
  }
}

/** @internal */
export function closedError(): QrLoginStoreUnavailableError {
  return new QrLoginStoreUnavailableError('The Redis QR login store was closed (the app is shutting down).');
}

/**
 * Connection and capacity problems become QrLoginStoreUnavailableError (503); anything else stays an error of its own.
 * @internal
 */
export function storeError(error: unknown, what: string): Error {
  if (error instanceof QrLoginStoreUnavailableError) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof Error && error.name === 'ReplyError' && !TRANSIENT_REPLY.test(message)) {
    const hint = /unknown command .?spublish/i.test(message)
      ? " Sharded pub/sub needs Redis 7 or later; on Redis 6 create the store with pubsub: 'classic'."
      : '';
    return new Error(`Redis refused to ${what}: ${message}${hint}`, { cause: error });
  }
  return new QrLoginStoreUnavailableError(
    `Redis could not ${what} (${message}); check that Redis is running and reachable, the store reconnects by itself.`,
    { cause: error },
  );
}
