import { Logger, type LoggerService } from '@nestjs/common';
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { freeFixedPort } from '../../../test/support/free-port';
import { startRedisServer, type RedisServer } from '../../../test/support/redis-server';
import { eventually } from '../../../test/support/sse';
import { QrLoginStoreUnavailableError } from '../../kernel/qr-login.errors';
import {
  disconnect,
  duplicateForSubscriber,
  FAIL_FAST_OPTIONS,
  isCluster,
  watchHealth,
  whenReady,
} from './redis-connection';

/*
 * A Redis connection's life as the store and the limiter see it, on a real
 * redis-server (stopped and started for outages): the reconnection delays,
 * one warning per outage and one line when it is back, waiting for
 * readiness, and closing.
 */

describe('redis-connection', () => {
  let server: RedisServer;
  const clients: Redis[] = [];
  const connect = (options: RedisOptions = {}) => {
    const client = new Redis({ host: '127.0.0.1', port: server.port, ...options });
    clients.push(client);
    // Refused connections are what some tests are about: keep ioredis from printing each.
    client.on('error', () => undefined);
    return client;
  };
  const lines: string[] = [];
  const recorder: LoggerService = {
    log: (message: string) => lines.push(`log ${message}`),
    warn: (message: string) => lines.push(`warn ${message}`),
    error: (message: string) => lines.push(`error ${message}`),
  };

  beforeAll(async () => {
    server = await startRedisServer();
  });
  afterEach(() => {
    vi.useRealTimers();
    Logger.overrideLogger(true);
    lines.splice(0);
    for (const client of clients.splice(0)) client.disconnect();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('reconnects after 50, 100, 200 … ms, capped at 1 s, plus less than 100 ms of jitter', () => {
    const retry = FAIL_FAST_OPTIONS.retryStrategy!;
    const delays = (attempt: number) => Array.from({ length: 50 }, () => retry(attempt) as number);
    for (const [attempt, base] of [
      [1, 50],
      [2, 100],
      [3, 200],
      [5, 800],
      [6, 1_000],
      [11, 1_000],
      [40, 1_000],
    ]) {
      for (const delay of delays(attempt)) {
        expect(Number.isInteger(delay)).toBe(true);
        expect(delay).toBeGreaterThanOrEqual(base);
        expect(delay).toBeLessThan(base + 100);
      }
    }
    // The jitter does vary.
    expect(new Set(delays(1)).size).toBeGreaterThan(1);
  });

  it('tells a Cluster client from a single node', () => {
    expect(isCluster({ isCluster: true } as never)).toBe(true);
    expect(isCluster({ isCluster: 'yes' } as never)).toBe(false);
    expect(isCluster(connect({ lazyConnect: true }))).toBe(false);
  });

  it('makes a subscriber that refuses commands while disconnected, and on a Cluster one per master when sharded', () => {
    const single = duplicateForSubscriber(connect({ lazyConnect: true }), false) as Redis;
    const cluster = new Cluster([{ host: '127.0.0.1', port: server.port }], { lazyConnect: true });
    const sharded = duplicateForSubscriber(cluster, true) as Cluster;
    const classic = duplicateForSubscriber(cluster, false) as Cluster;
    try {
      expect([single.options.enableOfflineQueue, single.options.autoResubscribe]).toEqual([false, false]);
      expect(sharded.options.enableOfflineQueue).toBe(false);
      expect(sharded.options.shardedSubscribers).toBe(true);
      expect(classic.options.enableOfflineQueue).toBe(false);
      expect(classic.options.shardedSubscribers).toBeFalsy();
    } finally {
      for (const client of [single, cluster, sharded, classic]) client.disconnect();
    }
  });

  it('warns once per outage, naming the role and what fails, and says when the connection is back', async () => {
    Logger.overrideLogger(recorder);
    const logger = new Logger('RedisQrLoginStore');
    const command = connect({ retryStrategy: () => 50 });
    const subscriber = connect({ retryStrategy: () => 50 });
    watchHealth(command, 'command', logger, () => false);
    watchHealth(subscriber, 'subscriber', logger, () => false);
    await Promise.all([command.ping(), subscriber.ping()]);

    let failures = 0;
    command.on('error', () => failures++);
    const outage = async () => {
      await server.stop();
      try {
        await eventually(() => lines.length === 2, 5_000, 'a warning for each connection');
        // Every failed reconnection is an error event: still one warning.
        const before = failures;
        await eventually(() => failures >= before + 3, 5_000, 'the connection to fail again and again');
        expect(lines).toHaveLength(2);
      } finally {
        await server.restart();
      }
      await eventually(() => lines.length === 4, 10_000, 'both connections to come back');
    };
    await outage();
    const first = lines.splice(0);
    // A second outage is reported again.
    await outage();
    expect(lines.map((line) => line.replace(/\(.+\)/, '()')).sort()).toEqual(
      first.map((line) => line.replace(/\(.+\)/, '()')).sort(),
    );
    lines.splice(0, lines.length, ...first);
    const warning = (role: string, what: string) =>
      new RegExp(
        `^warn Redis ${role} connection failed \\(.+\\); ${what} fail with QrLoginStoreUnavailableError until it reconnects, which it keeps trying\\.$`,
      );
    expect(lines.filter((line) => line.startsWith('warn'))).toHaveLength(2);
    expect(lines.some((line) => warning('command', 'store calls').test(line))).toBe(true);
    expect(lines.some((line) => warning('subscriber', 'watches').test(line))).toBe(true);
    expect(lines.filter((line) => line.startsWith('log')).sort()).toEqual([
      'log Redis command connection is back.',
      'log Redis subscriber connection is back.',
    ]);
  });

  it('says nothing about a connection that was never down, or that fails while closing', async () => {
    Logger.overrideLogger(recorder);
    const logger = new Logger('RedisQrLoginStore');
    const healthy = connect();
    watchHealth(healthy, 'command', logger, () => false);
    await healthy.ping();
    const closing = connect({ port: await freeFixedPort(), retryStrategy: () => 50 });
    watchHealth(closing, 'command', logger, () => true);
    await eventually(() => closing.status === 'reconnecting', 5_000, 'the refused connection to retry');
    healthy.emit('ready');
    expect(lines).toEqual([]);
  });

  describe('whenReady', () => {
    it('resolves at once for a ready connection and connects one that waits', async () => {
      const ready = connect();
      await ready.ping();
      await whenReady(ready, Date.now() + 1_500);
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
      const lazy = connect({ lazyConnect: true, connectTimeout: 0 });
      const events = ['ready', 'close', 'end'] as const;
      const listeners = () => events.map((event) => lazy.listenerCount(event));
      const before = listeners();
      await whenReady(lazy, Date.now() + 1_500);
      expect(lazy.status).toBe('ready');
      // Its deadline is cleared with it, and its listeners are removed.
      expect(vi.getTimerCount()).toBe(0);
      expect(listeners()).toEqual(before);
    });

    it('refuses at once a connection that is down', async () => {
      const ended = connect();
      await ended.ping();
      ended.disconnect();
      await eventually(() => ended.status === 'end', 5_000, 'the connection to end');
      await expect(whenReady(ended, Date.now() + 1_500)).rejects.toThrow(
        new QrLoginStoreUnavailableError(
          'Redis is unreachable (connection end); it is retried in the background, so retry in a moment.',
        ),
      );
    });

    it('fails when the connection being set up is refused or dropped', async () => {
      const port = await freeFixedPort();
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
      const refused = connect({ port, lazyConnect: true, connectTimeout: 0, retryStrategy: () => null });
      const readyListeners = refused.listenerCount('ready');
      const failure = await whenReady(refused, Date.now() + 1_500).catch((error: unknown) => error as Error);
      // The wait for 'ready' is given up too.
      expect(refused.listenerCount('ready')).toBe(readyListeners);
      expect(failure).toBeInstanceOf(QrLoginStoreUnavailableError);
      expect((failure as Error).message).toBe(
        'Redis refused or dropped the connection; check that it is running and reachable.',
      );
      expect(vi.getTimerCount()).toBe(0);
    });

    it('fails at the first refusal of a connection that will retry, without waiting for the deadline', async () => {
      const retrying = connect({ port: await freeFixedPort(), lazyConnect: true, retryStrategy: () => 60_000 });
      const failure = await whenReady(retrying, Date.now() + 60_000).catch((error: unknown) => error as Error);
      expect((failure as Error).message).toBe(
        'Redis refused or dropped the connection; check that it is running and reachable.',
      );
      expect(retrying.status).toBe('reconnecting');
    });

    it('fails when the connection being set up is ended by its owner', async () => {
      const ending = connect({ lazyConnect: true, retryStrategy: () => 60_000 });
      const failure = whenReady(ending, Date.now() + 60_000).catch((error: unknown) => error as Error);
      ending.disconnect();
      expect(((await failure) as Error).message).toBe(
        'Redis refused or dropped the connection; check that it is running and reachable.',
      );
      expect(ending.status).toBe('end');
    });

    it('gives up at the deadline on a connection that never becomes ready', async () => {
      // A server that accepts and never answers, like a Redis host that hangs.
      const sockets: Socket[] = [];
      const silent: Server = createServer((socket) => sockets.push(socket));
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
      try {
        const port = (silent.address() as { port: number }).port;
        const hanging = connect({ port, lazyConnect: true });
        hanging.connect().catch(() => undefined);
        await eventually(() => hanging.status === 'connect', 5_000, 'the socket to connect');
        vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
        let failure: Error | undefined;
        void whenReady(hanging, Date.now() + 1_500).catch((error: Error) => (failure = error));
        await vi.advanceTimersByTimeAsync(1_499);
        expect(failure).toBeUndefined();
        await vi.advanceTimersByTimeAsync(1);
        expect(failure).toBeInstanceOf(QrLoginStoreUnavailableError);
        expect(failure!.message).toBe('Redis did not become ready in time; check that it is running and reachable.');
        // A deadline already passed gives up at once.
        let late: Error | undefined;
        void whenReady(hanging, Date.now() - 10).catch((error: Error) => (late = error));
        await vi.advanceTimersByTimeAsync(0);
        expect(late?.message).toBe('Redis did not become ready in time; check that it is running and reachable.');
        vi.useRealTimers();
        hanging.disconnect();
      } finally {
        for (const socket of sockets) socket.destroy();
        await new Promise((resolve) => silent.close(resolve));
      }
    });
  });

  describe('disconnect', () => {
    it('quits a ready connection gracefully, letting its commands in flight finish', async () => {
      const client = connect();
      await client.ping();
      // Redis answers this one after 200 ms (nothing to pop).
      const inFlight = client.blpop('nothing', 0.2);
      await disconnect(client, true);
      expect(await inFlight).toBeNull();
      expect(client.status).toBe('end');
    });

    it('drops a connection at once when not graceful, and leaves an ended one alone', async () => {
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
      const client = connect({ connectTimeout: 0 });
      await client.ping();
      const quit = vi.spyOn(client, 'quit');
      await disconnect(client, false);
      expect(quit).not.toHaveBeenCalled();
      expect(client.status).toBe('end');
      // Its wait for the end is cleared with it.
      expect(vi.getTimerCount()).toBe(0);
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
      let done = false;
      void disconnect(client, true).then(() => (done = true));
      await vi.advanceTimersByTimeAsync(0);
      expect(done).toBe(true);
    });

    it('sends no QUIT on a connection that is not ready, even when graceful', async () => {
      const lazy = connect({ lazyConnect: true });
      const quit = vi.spyOn(lazy, 'quit');
      await disconnect(lazy, true);
      expect(quit).not.toHaveBeenCalled();
      expect(lazy.status).toBe('end');
    });

    it('stops a connection that is between reconnection attempts at once: no end is coming', async () => {
      const client = connect({ port: await freeFixedPort(), retryStrategy: () => 60_000 });
      await eventually(() => client.status === 'reconnecting', 5_000, 'the refused connection to wait for its retry');
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
      let done = false;
      void disconnect(client, true).then(() => (done = true));
      await vi.advanceTimersByTimeAsync(0);
      expect(done).toBe(true);
    });
  });
});
