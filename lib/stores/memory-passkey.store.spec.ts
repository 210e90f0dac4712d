import { describe, expect, it } from 'vitest';
import type { QrLoginPasskeyCredential } from '../kernel/interfaces/qr-login-passkey-store.interface';
import { MemoryQrLoginPasskeyStore } from './memory-passkey.store';

function credential(id: string, userId: string, createdAt: number): QrLoginPasskeyCredential {
  return { id, userId, publicKey: `key-${id}`, counter: 0, transports: ['internal'], createdAt };
}

describe('MemoryQrLoginPasskeyStore', () => {
  it('registers an id once and keeps the first credential', async () => {
    const store = new MemoryQrLoginPasskeyStore();
    expect(await store.add(credential('c1', 'alice', 1))).toBe(true);
    expect(await store.add({ ...credential('c1', 'mallory', 2), publicKey: 'other' })).toBe(false);
    expect(await store.get('c1')).toEqual(credential('c1', 'alice', 1));
    expect(await store.listByUser('mallory')).toEqual([]);
  });

  it("lists only the user's credentials, oldest first, as copies", async () => {
    const store = new MemoryQrLoginPasskeyStore();
    await store.add(credential('late', 'alice', 30));
    await store.add(credential('bob', 'bob', 10));
    await store.add(credential('early', 'alice', 20));
    const listed = await store.listByUser('alice');
    expect(listed.map((c) => c.id)).toEqual(['early', 'late']);
    listed[0].counter = 99;
    const read = (await store.get('early'))!;
    read.counter = 98;
    expect((await store.get('early'))!.counter).toBe(0);
    expect(await store.listByUser('nobody')).toEqual([]);
  });

  it('keeps a copy of what it was given', async () => {
    const store = new MemoryQrLoginPasskeyStore();
    const given = credential('c1', 'alice', 1);
    await store.add(given);
    given.counter = 7;
    expect((await store.get('c1'))!.counter).toBe(0);
  });

  it('moves the counter only from the expected value', async () => {
    const store = new MemoryQrLoginPasskeyStore();
    await store.add(credential('c1', 'alice', 1));
    expect(await store.updateCounter('c1', 1, 5)).toBe(false);
    expect((await store.get('c1'))!.counter).toBe(0);
    expect(await store.updateCounter('c1', 0, 5)).toBe(true);
    expect((await store.get('c1'))!.counter).toBe(5);
    expect(await store.updateCounter('c1', 0, 6)).toBe(false);
    expect(await store.updateCounter('missing', 0, 1)).toBe(false);
  });

  it('removes a credential once', async () => {
    const store = new MemoryQrLoginPasskeyStore();
    await store.add(credential('c1', 'alice', 1));
    expect(await store.remove('c1')).toBe(true);
    expect(await store.get('c1')).toBeNull();
    expect(await store.listByUser('alice')).toEqual([]);
    expect(await store.remove('c1')).toBe(false);
  });
});
