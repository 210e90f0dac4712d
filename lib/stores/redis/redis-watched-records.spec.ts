import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { remember, RedisWatchedRecords, type WatchedChannel } from './redis-watched-records';

/*
 * The read cache of watched codes: which record a channel keeps (the newest,
 * and only records of ours), and when a read may be served from it or seed it.
 */

const NOW = Date.UTC(2026, 0, 1);
const json = (version: number, retainUntil = NOW + 60_000, status = 'PENDING') =>
  JSON.stringify({ id: 'a', version, retainUntil, status });
const channel = (live = true, latest?: WatchedChannel['latest']): WatchedChannel => ({ name: 'chan', live, latest });

describe('remember', () => {
  it('keeps the first record, then only newer versions', () => {
    const live = channel();
    remember(live, json(2));
    expect(live.latest).toEqual({ json: json(2), version: 2, retainUntil: NOW + 60_000 });
    remember(live, json(1));
    remember(live, json(2, NOW, 'SCANNED'));
    expect(live.latest!.json).toBe(json(2));
    remember(live, json(3, NOW + 1_000));
    expect(live.latest).toEqual({ json: json(3, NOW + 1_000), version: 3, retainUntil: NOW + 1_000 });
  });

  it('ignores what is not a record of ours', () => {
    const live = channel();
    for (const text of ['not json', 'null', '42', '{"version":"2","retainUntil":1}', '{"version":2}', '{}']) {
      remember(live, text);
    }
    expect(live.latest).toBeUndefined();
    remember(live, JSON.stringify({ version: 1, retainUntil: 5 }));
    expect(live.latest).toEqual({ json: '{"version":1,"retainUntil":5}', version: 1, retainUntil: 5 });
  });
});

describe('RedisWatchedRecords', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'], now: NOW });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('serves a live channel’s record until the millisecond before its retainUntil', () => {
    const records = new RedisWatchedRecords(() => undefined);
    const live = channel(true, { json: json(4, NOW + 1_000), version: 4, retainUntil: NOW + 1_000 });
    vi.setSystemTime(NOW + 999);
    expect(records.cached(live)).toEqual(JSON.parse(json(4, NOW + 1_000)));
    // A copy each time.
    expect(records.cached(live)).not.toBe(records.cached(live));
    vi.setSystemTime(NOW + 1_000);
    expect(records.cached(live)).toBeUndefined();
  });

  it('serves nothing from a channel that is not live or holds nothing, or from no channel', () => {
    const records = new RedisWatchedRecords(() => undefined);
    expect(records.cached(channel(false, { json: json(1), version: 1, retainUntil: NOW + 60_000 }))).toBeUndefined();
    expect(records.cached(channel(true))).toBeUndefined();
    expect(records.cached(undefined)).toBeUndefined();
  });

  it('lets only a live channel that is still the current one of its name seed reads', () => {
    const current = channel();
    const records = new RedisWatchedRecords((name) => (name === 'chan' ? current : undefined));
    expect(records.canSeed(current)).toBe(true);
    expect(records.canSeed(channel())).toBe(false);
    expect(records.canSeed(undefined)).toBe(false);
    current.live = false;
    expect(records.canSeed(current)).toBe(false);
  });

  it('keeps what this instance wrote on a live channel unless a newer or equal version is known', () => {
    const current = channel();
    const records = new RedisWatchedRecords((name) => (name === 'chan' ? current : undefined));
    records.wrote('chan', json(2), 2, NOW + 2_000);
    expect(current.latest).toEqual({ json: json(2), version: 2, retainUntil: NOW + 2_000 });
    records.wrote('chan', json(2, NOW, 'SCANNED'), 2, NOW);
    records.wrote('chan', json(1), 1, NOW);
    expect(current.latest!.json).toBe(json(2));
    records.wrote('chan', json(3), 3, NOW + 3_000);
    expect(current.latest).toEqual({ json: json(3), version: 3, retainUntil: NOW + 3_000 });
    // Nobody watches this one: nothing to keep, nothing thrown.
    records.wrote('other', json(1), 1, NOW);

    const notLive = channel(false);
    const pending = new RedisWatchedRecords(() => notLive);
    pending.wrote('chan', json(1), 1, NOW);
    expect(notLive.latest).toBeUndefined();
  });

  it('forgets the record of a channel that lost a race', () => {
    const current = channel(true, { json: json(1), version: 1, retainUntil: NOW + 60_000 });
    const records = new RedisWatchedRecords((name) => (name === 'chan' ? current : undefined));
    records.forget('chan');
    expect(current.latest).toBeUndefined();
    records.forget('other');
  });
});
