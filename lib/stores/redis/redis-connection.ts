import type { Logger } from '@nestjs/common';
// Types only: ioredis is an optional peer, loaded at run time only when a store or limiter has to create a connection.
import type { Cluster, ClusterOptions, Redis, RedisOptions } from 'ioredis';
import { QrLoginStoreUnavailableError } from '../../kernel/qr-login.errors';
import { requireOptionalPeer } from '../../kernel/qr-login.optional-peer';

/*
 * A Redis connection's life, for the Redis store and rate limiter (not part
 * of the public API): the fail-fast defaults of connections they create,
 * waiting for readiness, one warning per outage, and closing.
 */

/** A single node or a Cluster: every Redis piece here takes either. @internal */
export type RedisConnection = Redis | Cluster;

/** @internal */
export const noop = (): undefined => undefined;

/**
 * How long one store call may take, waiting for a connection included, before it fails as unavailable (ms).
 * @internal
 */
export const CALL_TIMEOUT_MS = 1_500;
/** Longest pause between two reconnection attempts of a connection the store created (ms). */
const MAX_RECONNECT_DELAY_MS = 1_000;

/**
 * Defaults for connections the store creates: a call made while Redis is
 * away fails at once (503) instead of waiting in a queue, and the connection
 * keeps trying to come back, so the app recovers by itself.
 * @internal
 */
export const FAIL_FAST_OPTIONS: RedisOptions = {
  // Commands issued while disconnected are refused at once instead of being queued until Redis returns.
  enableOfflineQueue: false,
  // Commands in flight when the connection drops fail at once instead of being resent after reconnecting,
  // where they would run long after their caller has been told they failed.
  maxRetriesPerRequest: 0,
  // A Redis host that does not answer (firewalled, powered off) is retried after 2 s rather than 10 s.
  connectTimeout: 2_000,
  // A command Redis never answers fails like one the store gave up on (see `RedisCalls.call`).
  commandTimeout: CALL_TIMEOUT_MS,
  // Reconnect forever: 50, 100, 200 … ms, capped, with jitter so many instances do not reconnect in step.
  retryStrategy: (attempt: number) =>
    Math.min(50 * 2 ** Math.min(attempt - 1, 10), MAX_RECONNECT_DELAY_MS) + Math.floor(Math.random() * 100),
};

/**
 * Defaults for a Cluster the store creates (`cluster` option): commands fail
 * at once while the cluster is unreachable, and each node connection gives up
 * on a command after CALL_TIMEOUT_MS. ioredis follows MOVED/ASK redirections
 * and refreshes its slot table after a failover by itself.
 * @internal
 */
export const CLUSTER_FAIL_FAST_OPTIONS: ClusterOptions = {
  enableOfflineQueue: false,
  redisOptions: { connectTimeout: 2_000, commandTimeout: CALL_TIMEOUT_MS, maxRetriesPerRequest: 0 },
};

/** The subscriber tracks its channels itself: after a lost connection it fails its watchers instead of resubscribing. */
const SUBSCRIBER_OVERRIDES: RedisOptions = {
  autoResubscribe: false,
  enableOfflineQueue: false,
  maxRetriesPerRequest: 0,
};

/** @internal */
export function loadIoredis(): typeof import('ioredis') {
  // ioredis is an optional peer and must not be needed by apps that never use this store.
  return requireOptionalPeer(
    () => require('ioredis'),
    'ioredis',
    'RedisQrLoginStore needs the "ioredis" package (version 5 or later), which is not installed. ' +
      'Run `npm install ioredis`, or pass a ready ioredis client as the "client" option.',
  );
}

/** @internal */
export function isCluster(connection: RedisConnection): connection is Cluster {
  return (connection as { isCluster?: boolean }).isCluster === true;
}

/** The store's own subscriber connection: always a `duplicate()` of the command connection. @internal */
export function duplicateForSubscriber(redis: RedisConnection, sharded: boolean): RedisConnection {
  return isCluster(redis)
    ? // With shardedSubscribers, ioredis keeps one subscriber connection per master and routes each SSUBSCRIBE to the owner of its slot.
      redis.duplicate(undefined, { enableOfflineQueue: false, ...(sharded ? { shardedSubscribers: true } : {}) })
    : redis.duplicate(SUBSCRIBER_OVERRIDES);
}

/** Error listeners keep ioredis from printing every failed reconnection; one warning per outage is enough. @internal */
export function watchHealth(connection: RedisConnection, role: string, logger: Logger, closing: () => boolean): void {
  let down = false;
  connection.on('error', (error: Error) => {
    if (down || closing()) return;
    down = true;
    logger.warn(
      `Redis ${role} connection failed (${error.message}); ${
        role === 'subscriber' ? 'watches' : 'store calls'
      } fail with QrLoginStoreUnavailableError until it reconnects, which it keeps trying.`,
    );
  });
  connection.on('ready', () => {
    if (!down) return;
    down = false;
    logger.log(`Redis ${role} connection is back.`);
  });
}

const CLOSE_TIMEOUT_MS = 1_000;

/**
 * Closes a connection and resolves once it has ended (or after CLOSE_TIMEOUT_MS, when Redis does not answer).
 * @internal
 */
export async function disconnect(connection: RedisConnection, graceful: boolean): Promise<void> {
  const status = connection.status;
  if (status === 'end') return;
  // Between reconnection attempts there is no socket left to close, so no 'end' will come.
  if (status === 'reconnecting' || status === 'close') {
    connection.disconnect();
    return;
  }
  let timer: NodeJS.Timeout | undefined;
  const ended = new Promise<void>((resolve) => {
    connection.once('end', resolve);
    timer = setTimeout(resolve, CLOSE_TIMEOUT_MS);
  });
  if (graceful && status === 'ready') {
    await Promise.race([connection.quit().catch(noop), ended]);
  }
  connection.disconnect();
  await ended;
  clearTimeout(timer);
}

/**
 * Waits (until `deadline`) for a connection that is being set up; refuses at
 * once one that is known to be down, so calls during an outage fail fast.
 * @internal
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
