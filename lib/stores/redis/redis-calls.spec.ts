import { Redis } from 'ioredis';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { eventually } from '../../../test/support/sse';
import type { RedisServer } from '../../../test/support/redis-server';
import { redisPerFile } from '../../../test/support/server-per-file';
import { QrLoginStoreUnavailableError } from '../../kernel/qr-login.errors';
import { closedError, RedisCalls, storeError } from './redis-calls';

/*
 * The fail-fast wrapper of the Redis store's calls, on a real redis-server:
 * what each failure becomes (unavailable, or an error of the call's own), the
 * deadline of a call, and the refusal once the store is closed.
 */

describe('RedisCalls', () => {
  let server: RedisServer;
  let admin: Redis;
  const clients: Redis[] = [];
  const connect = async (options: { lazyConnect?: boolean } = {}) => {
    const client = new Redis(server.url, options);
    clients.push(client);
    if (!options.lazyConnect) await client.ping();
    return client;
  };

  redisPerFile((parts) => ({ server, admin } = parts));
  afterEach(async () => {
    vi.useRealTimers();
    for (const client of clients.splice(0)) client.disconnect();
    await admin.config('SET', 'maxmemory', '0');
  });

  /** The error a call settles with. */
  const failureOf = (call: Promise<unknown>): Promise<Error> =>
    call.then(
      () => new Error('the call succeeded'),
      (error: unknown) => error as Error,
    );

  for (const ownsClient of [true, false]) {
    describe(ownsClient ? 'on a connection the store created' : 'on a given connection', () => {
      it('answers with what the call answered', async () => {
        const client = await connect();
        await admin.set('k', 'v');
        expect(await new RedisCalls(ownsClient).call(client, 'read', () => client.get('k'))).toBe('v');
      });

      it('turns an error that is not a reply of Redis into unavailable, keeping it as the cause', async () => {
        const client = await connect();
        const cause = new Error('socket hang up');
        let runs = 0;
        const failure = await failureOf(
          new RedisCalls(ownsClient).call(client, 'read a QR code', () => {
            runs++;
            return Promise.reject(cause);
          }),
        );
        expect(failure).toBeInstanceOf(QrLoginStoreUnavailableError);
        expect(failure.message).toBe(
          'Redis could not read a QR code (socket hang up); check that Redis is running and reachable, the store reconnects by itself.',
        );
        expect(failure.cause).toBe(cause);
        expect(runs).toBe(1);
      });

      it('keeps a reply Redis refuses as an error of the call, not as unavailable', async () => {
        const client = await connect();
        const failure = await failureOf(
          new RedisCalls(ownsClient).call(client, 'read a QR code', () => client.call('NOSUCHCOMMAND')),
        );
        expect(failure).not.toBeInstanceOf(QrLoginStoreUnavailableError);
        expect((failure.cause as Error).name).toBe('ReplyError');
        expect((failure.cause as Error).message).toMatch(/^ERR unknown command 'NOSUCHCOMMAND'/);
        // Redis's reply whole, and no hint: the one hint there is is for SPUBLISH.
        expect(failure.message).toBe(`Redis refused to read a QR code: ${(failure.cause as Error).message}`);
      });

      it('answers a reply that says Redis cannot serve right now (out of memory) as unavailable', async () => {
        const client = await connect();
        await admin.config('SET', 'maxmemory', '1');
        const failure = await failureOf(
          new RedisCalls(ownsClient).call(client, 'create a QR code', () => client.set('k', 'v')),
        );
        expect(failure).toBeInstanceOf(QrLoginStoreUnavailableError);
        expect(failure.message).toMatch(/^Redis could not create a QR code \(OOM command not allowed/);
        expect((failure.cause as Error).name).toBe('ReplyError');
      });

      it('refuses every call once closed, without running it', async () => {
        const client = await connect();
        const calls = new RedisCalls(ownsClient);
        expect(calls.closed).toBe(false);
        calls.close();
        expect(calls.closed).toBe(true);
        let ran = false;
        const failure = await failureOf(calls.call(client, 'read', async () => (ran = true)));
        expect(failure).toBeInstanceOf(QrLoginStoreUnavailableError);
        expect(failure.message).toBe('The Redis QR login store was closed (the app is shutting down).');
        expect(ran).toBe(false);
      });

      it('connects a connection not yet connected before running the call', async () => {
        const client = await connect({ lazyConnect: true });
        expect(client.status).toBe('wait');
        expect(await new RedisCalls(ownsClient).call(client, 'ping', () => client.ping())).toBe('PONG');
      });

      it('refuses at once on a connection that has ended', async () => {
        const client = await connect();
        client.disconnect();
        await eventually(() => client.status === 'end', 5_000, 'the connection to end');
        let ran = false;
        const failure = await failureOf(new RedisCalls(ownsClient).call(client, 'read', async () => (ran = true)));
        expect(failure).toBeInstanceOf(QrLoginStoreUnavailableError);
        expect(failure.message).toBe(
          'Redis is unreachable (connection end); it is retried in the background, so retry in a moment.',
        );
        expect(ran).toBe(false);
      });
    });
  }

  it('runs the call only once what it waits for has settled', async () => {
    const client = await connect();
    let release!: () => void;
    const after = new Promise<void>((resolve) => (release = resolve));
    const order: string[] = [];
    const call = new RedisCalls(true).call(
      client,
      'read',
      async () => {
        order.push('run');
        return 'done';
      },
      after,
    );
    await new Promise((resolve) => setImmediate(resolve));
    order.push('released');
    release();
    expect(await call).toBe('done');
    expect(order).toEqual(['released', 'run']);
  });

  it('gives up after 1 500 ms, naming the call, and never runs it after that', async () => {
    const client = await connect();
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    let release!: () => void;
    const after = new Promise<void>((resolve) => (release = resolve));
    let ran = false;
    const call = failureOf(new RedisCalls(true).call(client, 'update a QR code', async () => (ran = true), after));
    let settled = false;
    void call.then(() => (settled = true));
    await vi.advanceTimersByTimeAsync(1_499);
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    const failure = await call;
    expect(failure).toBeInstanceOf(QrLoginStoreUnavailableError);
    expect(failure.message).toBe(
      'Redis did not answer within 1500 ms when asked to update a QR code; check that Redis is running, reachable and not overloaded.',
    );
    release();
    await vi.advanceTimersByTimeAsync(10);
    expect(ran).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("arms no deadline of its own on a ready connection it created (that connection's commandTimeout bounds the call)", async () => {
    const client = await connect();
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const own = new RedisCalls(true).call(client, 'ping', () => client.ping());
    expect(vi.getTimerCount()).toBe(0);
    expect(await own).toBe('PONG');
    const given = new RedisCalls(false).call(client, 'ping', () => client.ping());
    expect(vi.getTimerCount()).toBe(1);
    expect(await given).toBe('PONG');
  });

  it('clears its deadline once the call has answered', async () => {
    const client = await connect();
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    expect(await new RedisCalls(false).call(client, 'ping', () => client.ping())).toBe('PONG');
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('storeError', () => {
  const reply = (message: string) => Object.assign(new Error(message), { name: 'ReplyError' });

  it('passes an unavailable error through as it is', () => {
    const error = new QrLoginStoreUnavailableError('gone');
    expect(storeError(error, 'read')).toBe(error);
    expect(storeError(closedError(), 'read').message).toBe(
      'The Redis QR login store was closed (the app is shutting down).',
    );
  });

  it('adds how to fix a Redis without sharded pub/sub', () => {
    const error = storeError(reply("ERR unknown command 'SPUBLISH', with args beginning with: "), 'create a QR code');
    expect(error).not.toBeInstanceOf(QrLoginStoreUnavailableError);
    expect(error.message).toBe(
      "Redis refused to create a QR code: ERR unknown command 'SPUBLISH', with args beginning with:  Sharded pub/sub needs Redis 7 or later; on Redis 6 create the store with pubsub: 'classic'.",
    );
  });

  it('recognises the missing command with or without quotes around its name', () => {
    for (const message of ['ERR unknown command `spublish`', 'ERR unknown command spublish']) {
      expect(storeError(reply(message), 'x').message).toMatch(/Sharded pub\/sub needs Redis 7 or later/);
    }
  });

  it('reads every reply that means "not now" as unavailable, and only at the start of the reply', () => {
    for (const word of [
      'LOADING',
      'BUSY',
      'TRYAGAIN',
      'CLUSTERDOWN',
      'MASTERDOWN',
      'READONLY',
      'OOM',
      'MISCONF',
      'NOREPLICAS',
      'NOAUTH',
      'WRONGPASS',
    ]) {
      expect(storeError(reply(`${word} try later`), 'read'), word).toBeInstanceOf(QrLoginStoreUnavailableError);
    }
    expect(storeError(reply('ERR the word BUSY inside'), 'read')).not.toBeInstanceOf(QrLoginStoreUnavailableError);
    expect(storeError(reply('BUSYNESS is no word of Redis'), 'read')).not.toBeInstanceOf(QrLoginStoreUnavailableError);
  });

  it('reads an error of another name, or something thrown that is no error, as unavailable', () => {
    const other = storeError(new TypeError('ERR looks like a reply'), 'read');
    expect(other).toBeInstanceOf(QrLoginStoreUnavailableError);
    const thrown = storeError('a string', 'read a QR code');
    expect(thrown).toBeInstanceOf(QrLoginStoreUnavailableError);
    expect(thrown.message).toBe(
      'Redis could not read a QR code (a string); check that Redis is running and reachable, the store reconnects by itself.',
    );
    expect(thrown.cause).toBe('a string');
    expect(storeError(undefined, 'read').message).toBe(
      'Redis could not read (undefined); check that Redis is running and reachable, the store reconnects by itself.',
    );
  });
});
