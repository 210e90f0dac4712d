import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import type { RedisServer } from '../../../test/support/redis-server';
import { redisPerFile } from '../../../test/support/server-per-file';
import type { QrLoginPasskeyCredential } from '../../kernel/interfaces/qr-login-passkey-store.interface';
import { QrLoginConfigError, QrLoginStoreUnavailableError } from '../../kernel/qr-login.errors';
import { RedisQrLoginPasskeyStore } from './redis-passkey.store';

/*
 * The Redis passkey store against a real redis-server on a free port: where
 * it keeps a credential and a user's ids, registration once, the counter's
 * compare-and-set, removal, and what a refused command becomes.
 */

function credential(id: string, userId: string, createdAt: number): QrLoginPasskeyCredential {
  return { id, userId, publicKey: `key-${id}`, counter: 0, transports: ['internal', 'hybrid'], createdAt };
}

describe('RedisQrLoginPasskeyStore', () => {
  let server: RedisServer;
  let admin: Redis;
  const clients: Redis[] = [];
  const open = (keyPrefix?: string) => {
    const client = new Redis(server.url);
    clients.push(client);
    return new RedisQrLoginPasskeyStore(keyPrefix === undefined ? { client } : { client, keyPrefix });
  };

  redisPerFile((parts) => ({ server, admin } = parts));
  afterEach(async () => {
    for (const client of clients.splice(0)) client.disconnect();
  });

  it('refuses to start without a client, or with a key prefix that breaks the hash tags', () => {
    const missing = 'RedisQrLoginPasskeyStore needs "client": a ready ioredis client.';
    expect(() => new RedisQrLoginPasskeyStore(undefined as never)).toThrow(new QrLoginConfigError(missing));
    expect(() => new RedisQrLoginPasskeyStore({} as never)).toThrow(QrLoginConfigError);
    expect(() => new RedisQrLoginPasskeyStore({} as never)).toThrow(missing);
    const client = {} as Redis;
    for (const keyPrefix of ['app{1', 'app}1']) {
      expect(() => new RedisQrLoginPasskeyStore({ client, keyPrefix })).toThrow(QrLoginConfigError);
      expect(() => new RedisQrLoginPasskeyStore({ client, keyPrefix })).toThrow(
        'RedisQrLoginPasskeyStore "keyPrefix" must not contain { or }.',
      );
    }
  });

  it('keeps a credential as JSON under "qr-login:passkey:{id}" and its id in "qr-login:passkeys-of:{user}"', async () => {
    const store = open();
    const given = credential('c1', 'alice', 1);
    expect(await store.add(given)).toBe(true);
    expect(JSON.parse((await admin.get('qr-login:passkey:{c1}'))!)).toEqual(given);
    expect(await admin.smembers('qr-login:passkeys-of:{alice}')).toEqual(['c1']);
    expect(await admin.ttl('qr-login:passkey:{c1}')).toBe(-1);

    const own = open('shop');
    await own.add(credential('c2', 'bob', 2));
    expect(await admin.exists('shop:passkey:{c2}')).toBe(1);
    expect(await admin.smembers('shop:passkeys-of:{bob}')).toEqual(['c2']);
    expect(await store.get('c2')).toBeNull();
    expect(await own.get('c1')).toBeNull();
  });

  it('registers an id once: a second add changes neither the credential nor any user set', async () => {
    const store = open();
    await store.add(credential('c1', 'alice', 1));
    expect(await store.add({ ...credential('c1', 'mallory', 2), publicKey: 'other' })).toBe(false);
    expect(await store.get('c1')).toEqual(credential('c1', 'alice', 1));
    expect(await admin.exists('qr-login:passkeys-of:{mallory}')).toBe(0);
    expect(await store.listByUser('mallory')).toEqual([]);
  });

  it("lists the user's credentials oldest first, passing over ids whose credential is gone or not theirs", async () => {
    const store = open();
    await store.add(credential('late', 'alice', 30));
    await store.add(credential('bob', 'bob', 10));
    await store.add(credential('early', 'alice', 20));
    await store.add(credential('middle', 'alice', 25));
    // An id left behind by a removal cut short, and one that names another user's credential.
    await admin.sadd('qr-login:passkeys-of:{alice}', 'gone', 'bob');
    expect((await store.listByUser('alice')).map((c) => c.id)).toEqual(['early', 'middle', 'late']);
    expect(await store.listByUser('alice')).toEqual([
      credential('early', 'alice', 20),
      credential('middle', 'alice', 25),
      credential('late', 'alice', 30),
    ]);
    expect(await store.listByUser('nobody')).toEqual([]);
  });

  it('moves the counter only from the expected value, keeping the rest of the credential', async () => {
    const store = open();
    await store.add(credential('c1', 'alice', 1));
    expect(await store.updateCounter('c1', 1, 5)).toBe(false);
    expect((await store.get('c1'))!.counter).toBe(0);
    expect(await store.updateCounter('c1', 0, 5)).toBe(true);
    expect(await store.get('c1')).toEqual({ ...credential('c1', 'alice', 1), counter: 5 });
    expect(await store.updateCounter('c1', 0, 6)).toBe(false);
    expect(await store.updateCounter('c1', 5, 6)).toBe(true);
    expect((await store.get('c1'))!.counter).toBe(6);
    expect(await store.updateCounter('missing', 0, 1)).toBe(false);
    expect(await admin.exists('qr-login:passkey:{missing}')).toBe(0);
  });

  it('removes a credential and its id from the user set once', async () => {
    const store = open();
    await store.add(credential('c1', 'alice', 1));
    await store.add(credential('c2', 'alice', 2));
    expect(await store.remove('c1')).toBe(true);
    expect(await store.get('c1')).toBeNull();
    expect(await admin.smembers('qr-login:passkeys-of:{alice}')).toEqual(['c2']);
    expect(await store.remove('c1')).toBe(false);
    expect((await store.listByUser('alice')).map((c) => c.id)).toEqual(['c2']);
  });

  it('answers true to only one of two removals that both found the credential', async () => {
    const store = open();
    await store.add(credential('c1', 'alice', 1));
    // Both reads go out before either delete, so both removals find the credential.
    expect(await Promise.all([store.remove('c1'), store.remove('c1')])).toEqual([true, false]);
    expect(await admin.exists('qr-login:passkeys-of:{alice}')).toBe(0);
  });

  it('reads an empty value under a credential key as no credential', async () => {
    const store = open();
    await admin.set('qr-login:passkey:{blank}', '');
    expect(await store.get('blank')).toBeNull();
    expect(await store.remove('blank')).toBe(false);
  });

  it('answers a command Redis refuses as unavailable, naming the cause', async () => {
    const store = open();
    await admin.set('qr-login:passkeys-of:{alice}', 'not a set');
    const failure = await store.listByUser('alice').catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(QrLoginStoreUnavailableError);
    expect((failure as Error).message).toBe(
      'Redis passkey store: WRONGTYPE Operation against a key holding the wrong kind of value',
    );
    expect(((failure as Error).cause as Error).message).toBe(
      'WRONGTYPE Operation against a key holding the wrong kind of value',
    );
  });
});
