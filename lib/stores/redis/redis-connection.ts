import type { Cluster, Redis } from 'ioredis';
import { QrLoginStoreUnavailableError } from '../../kernel/qr-login.errors';

// Internal to the Redis pieces (store, rate limiter); not part of the public API.

type RedisConnection = Redis | Cluster;

const noop = () => undefined;

/**
 * Waits (until `deadline`) for a connection that is being set up; refuses at
 * once one that is known to be down, so calls during an outage fail fast.
 */
export function whenReady(connection: RedisConnection, deadline: number): Promise<void> {
  const status = connection.status;
  if (status === 'ready') return Promise.resolve();
  if (status === 'wait') connection.connect().catch(noop);
  else if (status !== 'connecting' && status !== 'connect') {
    return Promise.reject(
      new QrLoginStoreUnavailableError(
        `Redis is unreachable (connection ${status}); it is retried in the background, so retry in a moment.`,
      ),
    );
  }
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () =>
        reject(
          new QrLoginStoreUnavailableError(
            'Redis did not become ready in time; check that it is running and reachable.',
          ),
        ),
      Math.max(deadline - Date.now(), 0),
    );
    readyOnce(connection).then(
      () => {
        clearTimeout(timer);
        resolve();
      },
      (error) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

/** One pending readiness per connection, shared by every waiting call: a burst of calls adds one set of listeners, not one each. */
const readiness = new WeakMap<RedisConnection, Promise<void>>();

function readyOnce(connection: RedisConnection): Promise<void> {
  const pending = readiness.get(connection);
  if (pending) return pending;
  const created = new Promise<void>((resolve, reject) => {
    const settle = (error?: Error) => {
      connection.off('ready', onReady);
      connection.off('close', onClose);
      connection.off('end', onClose);
      readiness.delete(connection);
      if (error) reject(error);
      else resolve();
    };
    const onReady = () => settle();
    const onClose = () =>
      settle(
        new QrLoginStoreUnavailableError(
          'Redis refused or dropped the connection; check that it is running and reachable.',
        ),
      );
    connection.once('ready', onReady);
    connection.once('close', onClose);
    connection.once('end', onClose);
  });
  // Callers that gave up on their own deadline leave no unhandled rejection behind.
  created.catch(noop);
  readiness.set(connection, created);
  return created;
}
