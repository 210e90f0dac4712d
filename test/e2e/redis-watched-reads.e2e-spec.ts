import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { RedisQrLoginStore } from '../../lib/stores/redis';
import { newRecord, successor, watchInto } from '../../lib/testing';
import { startRedisServer, type RedisServer } from '../support/redis-server';
import { eventually } from '../support/sse';

/**
 * Reads of a code this instance watches come from the newest record it
 * wrote or received on the code's channel, with no round trip, and are never
 * older than a change this instance made or received.
 */
describe('Redis store: reads of watched codes', () => {
  let server: RedisServer;
  let a: RedisQrLoginStore;
  let b: RedisQrLoginStore;
  /** Reads instance A sent to Redis so far (a spy that passes every call through). */
  let reads: { mock: { calls: unknown[] } };
  const hgets = async () => reads.mock.calls.length;

  beforeAll(async () => {
    server = await startRedisServer();
    a = new RedisQrLoginStore({ url: server.url });
    b = new RedisQrLoginStore({ url: server.url });
    reads = vi.spyOn(a.client as Redis, 'hget');
  });
  afterAll(async () => {
    await Promise.all([a.close(), b.close()]);
    await server.stop();
  });

  it('serves a watched code from what the channel delivered, and is fresh after its own and others’ changes', async () => {
    const record = newRecord();
    const seen = watchInto(a, record.id);
    // Subscribe, then read (the service's order); this read goes to Redis and finds nothing yet.
    expect(await a.get(record.id)).toBeNull();
    await b.create(record);
    await eventually(() => seen.records.length === 1, 5_000, 'the create on the watcher');

    const before = await hgets();
    const read = await a.get(record.id);
    expect(read).toEqual(record);
    // A copy: changing it changes nothing the store serves.
    read!.status = 'CANCELLED';
    expect((await a.get(record.id))!.status).toBe('PENDING');
    expect(await hgets()).toBe(before);

    // Another instance's change, once received, is what reads see.
    const scanned = successor(record, { status: 'SCANNED' });
    expect(await b.compareAndSet(record.id, 1, scanned)).toBe(true);
    await eventually(() => seen.records.length === 2, 5_000, 'the change on the watcher');
    expect(await a.get(record.id)).toEqual(scanned);

    // This instance's own change is read at once, before the channel echoes it.
    const authorized = successor(scanned, { status: 'AUTHORIZED' });
    expect(await a.compareAndSet(record.id, 2, authorized)).toBe(true);
    expect(await a.get(record.id)).toEqual(authorized);
    expect(await hgets()).toBe(before);

    // A lost compare-and-set sends the next read to Redis, which has the winner.
    const winner = successor(authorized, { status: 'CANCELLED' });
    expect(await b.compareAndSet(record.id, 3, winner)).toBe(true);
    expect(await a.compareAndSet(record.id, 3, successor(authorized))).toBe(false);
    expect(await a.get(record.id)).toEqual(winner);
    seen.subscription.unsubscribe();
  });

  it('reads a code nobody here watches from Redis, every time', async () => {
    const record = newRecord();
    await b.create(record);
    const before = await hgets();
    expect(await a.get(record.id)).toEqual(record);
    const scanned = successor(record, { status: 'SCANNED' });
    expect(await b.compareAndSet(record.id, 1, scanned)).toBe(true);
    expect(await a.get(record.id)).toEqual(scanned);
    expect(await hgets()).toBe(before + 2);
  });

  it('forgets the cached record once the last watcher leaves', async () => {
    const record = newRecord();
    await a.create(record);
    const seen = watchInto(a, record.id);
    await a.get(record.id);
    seen.subscription.unsubscribe();
    const scanned = successor(record, { status: 'SCANNED' });
    expect(await b.compareAndSet(record.id, 1, scanned)).toBe(true);
    expect(await a.get(record.id)).toEqual(scanned);
  });
});
