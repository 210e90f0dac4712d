import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  MemoryQrLoginPasskeyStore,
  type QrLoginPasskeyCredential,
  type QrLoginPasskeyStore,
  type QrLoginStore,
} from '../../lib';
import { RedisQrLoginPasskeyStore, type RedisQrLoginStore } from '../../lib/stores/redis';
import { PostgresQrLoginPasskeyStore, type PostgresQrLoginStore } from '../../lib/stores/postgres';
import { ADAPTERS, createTestApp } from '../app/test-app';
import { asUser, request } from '../support/http';
import { memoryStoreKind, redisStoreKind, type StoreKind } from '../support/stores';
import { postgresStoreKind } from '../support/postgres-store-kind';

/*
 * A lost phone: the app takes its passkey back with the store's `remove`
 * (after its own check of who asks), the phone's settings page lists what is
 * left, and with none left the user may register a new phone's passkey.
 */

const credential = (id: string, userId: string, createdAt: number): QrLoginPasskeyCredential => ({
  id,
  userId,
  publicKey: `key-of-${id}`,
  counter: 3,
  transports: ['internal'],
  createdAt,
});

/** A passkey store on the client or pool of a code store of `kind` (memory: its own). */
async function passkeyStoreOf(kind: StoreKind, store: QrLoginStore): Promise<QrLoginPasskeyStore> {
  if (kind.name === 'memory') return new MemoryQrLoginPasskeyStore();
  // The code store connects on its first call, as it does when the app starts.
  await store.get('no-such-code');
  if (kind.name === 'redis') return new RedisQrLoginPasskeyStore({ client: (store as RedisQrLoginStore).client });
  const passkeys = new PostgresQrLoginPasskeyStore({
    pool: (store as PostgresQrLoginStore).pool,
    table: `passkeys_${Date.now()}`,
  });
  await passkeys.ensureSchema();
  return passkeys;
}

describe.each([memoryStoreKind, redisStoreKind, postgresStoreKind])('passkey store remove on $name', (kind) => {
  let passkeys: QrLoginPasskeyStore;
  let store: QrLoginStore;
  beforeAll(async () => {
    await kind.setup();
    store = kind.make();
    passkeys = await passkeyStoreOf(kind, store);
  }, 60_000);
  afterAll(async () => {
    await store?.close?.();
    await kind.teardown();
  });

  it('forgets one credential once, leaving the user’s others and other users’ alone', async () => {
    const user = `u-${kind.name}-${Date.now()}`;
    const [lost, kept, others] = [`lost-${user}`, `kept-${user}`, `other-${user}`];
    expect(await passkeys.add(credential(lost, user, 1_000))).toBe(true);
    expect(await passkeys.add(credential(kept, user, 2_000))).toBe(true);
    expect(await passkeys.add(credential(others, `${user}-b`, 1_500))).toBe(true);

    expect(await passkeys.remove(lost)).toBe(true);
    expect(await passkeys.remove(lost)).toBe(false);
    expect(await passkeys.remove(`never-${user}`)).toBe(false);

    expect(await passkeys.get(lost)).toBeNull();
    expect((await passkeys.listByUser(user)).map((c) => c.id)).toEqual([kept]);
    expect((await passkeys.listByUser(`${user}-b`)).map((c) => c.id)).toEqual([others]);
    // A removed credential approves nothing more: its counter cannot move.
    expect(await passkeys.updateCounter(lost, 3, 4)).toBe(false);
    expect(await passkeys.updateCounter(kept, 3, 4)).toBe(true);
    // Its id may be registered again (the same authenticator, enrolled anew).
    expect(await passkeys.add(credential(lost, user, 3_000))).toBe(true);
    expect((await passkeys.listByUser(user)).map((c) => c.id)).toEqual([kept, lost]);
  });
});

describe.each(ADAPTERS)('the phone’s passkey list, and a lost phone, on %s', (adapter) => {
  const passkeys = new MemoryQrLoginPasskeyStore();
  let root: string;
  let close: () => Promise<void>;
  beforeAll(async () => {
    const started = await createTestApp({
      adapter,
      options: { passkeys: { rpId: 'localhost', origins: 'http://localhost:1', store: passkeys } },
    });
    root = `${started.url}/qr-login`;
    close = () => started.app.close();
  });
  afterAll(() => close());

  it('lists the logged-in user’s passkeys only, ids and dates, never a key or counter, and not for caching', async () => {
    await passkeys.add(credential('alice-1', 'u-alice', 1_000));
    await passkeys.add({ ...credential('alice-2', 'u-alice', 2_000), transports: undefined });
    await passkeys.add(credential('bob-1', 'u-bob', 1_500));

    const listed = await request(`${root}/passkeys`, { headers: asUser('alice') });
    expect(listed.status).toBe(200);
    expect(listed.headers.get('cache-control')).toBe('no-store');
    expect(listed.body).toEqual({
      passkeys: [
        { id: 'alice-1', createdAt: 1_000, transports: ['internal'] },
        { id: 'alice-2', createdAt: 2_000 },
      ],
    });
    expect(JSON.stringify(listed.body)).not.toMatch(/key-of|counter/);

    const anonymous = await request(`${root}/passkeys`);
    expect(anonymous.status).toBe(401);
  });

  it('keeps registration closed while a passkey is left, and opens it once the app removes the lost one', async () => {
    const options = () => request(`${root}/passkeys/registration/options`, { method: 'POST', headers: asUser('bob') });
    const closed = await options();
    expect(closed.status).toBe(403);
    expect(closed.body.code).toBe('QR_PASSKEY_REGISTRATION_CLOSED');

    expect(await passkeys.remove('bob-1')).toBe(true);
    expect((await request(`${root}/passkeys`, { headers: asUser('bob') })).body).toEqual({ passkeys: [] });
    const open = await options();
    expect(open.status).toBe(200);
    expect(open.body).toMatchObject({ challenge: expect.any(String), rp: { id: 'localhost' } });
  });

  it('answers 404 QR_PASSKEYS_DISABLED for the list without the passkeys option', async () => {
    const started = await createTestApp({ adapter });
    try {
      const answer = await request(`${started.url}/qr-login/passkeys`, { headers: asUser('alice') });
      expect(answer.status).toBe(404);
      expect(answer.body.code).toBe('QR_PASSKEYS_DISABLED');
    } finally {
      await started.app.close();
    }
  });
});
