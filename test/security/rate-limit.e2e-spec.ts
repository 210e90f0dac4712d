import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADAPTERS, createTestApp } from '../app/test-app';
import { asUser, nativeClient } from '../support/http';
import { eventually, openSse } from '../support/sse';
import { MemoryQrLoginRateLimiter, MemoryQrLoginStore, QrLoginService, type QrLoginStore } from '../../lib';
import { SHARED_STORE_KINDS } from '../support/stores';
import { RedisQrLoginRateLimiter, RedisQrLoginStore } from '../../lib/stores/redis';
import { startRedisServer, type RedisServer } from '../support/redis-server';
import { ManualClock } from '../support/manual-clock';

// Windows on the module's clock (a manual one here), moved by hand: a loaded machine cannot cross a window by accident.
const WINDOW_S = 60;

describe.each(ADAPTERS)('rate limits on %s', (adapter) => {
  let app: Awaited<ReturnType<typeof createTestApp>>['app'];
  let api: ReturnType<typeof nativeClient>;
  let clock: ManualClock;
  /** Starts fresh windows for every key: the clock moves a whole window on. */
  const nextWindow = () => clock.advance(WINDOW_S * 1000);

  beforeAll(async () => {
    clock = new ManualClock();
    const started = await createTestApp({
      adapter,
      options: {
        clock,
        rateLimit: {
          create: { limit: 3, window: WINDOW_S },
          status: { limit: 5, window: WINDOW_S },
          appAction: { limit: 2, window: WINDOW_S },
          events: false,
          redeem: false,
        },
        maxStreamsPerIp: 2,
      },
    });
    app = started.app;
    api = nativeClient(started.url);
  });
  afterAll(() => app.close());

  it('answers 429 with Retry-After at the threshold, and clears after the window', async () => {
    nextWindow();
    const results = [];
    for (let i = 0; i < 4; i++) results.push(await api.create());
    expect(results.map((r) => r.status)).toEqual([201, 201, 201, 429]);
    const limited = results[3];
    expect(limited.body).toMatchObject({ statusCode: 429, code: 'QR_RATE_LIMITED' });
    // The clock did not move since the window opened, so the whole window is left.
    expect(Number(limited.headers.get('retry-after'))).toBe(WINDOW_S);
    clock.advance(WINDOW_S * 1000 - 1);
    expect((await api.create()).status).toBe(429);
    clock.advance(1);
    expect((await api.create()).status).toBe(201);
  });

  it('limits status reads per IP', async () => {
    nextWindow();
    const id = (await api.create()).body.qrcodeId;
    const statuses = [];
    for (let i = 0; i < 6; i++) statuses.push((await api.status(id)).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
  });

  it('limits app actions per user, not per IP', async () => {
    nextWindow();
    const a = (await api.create()).body.qrcodeId;
    const b = (await api.create()).body.qrcodeId;
    expect((await api.act(a, 'scan', asUser('alice'))).status).toBe(200);
    expect((await api.act(a, 'confirm', asUser('alice'))).status).toBe(200);
    const third = await api.act(b, 'scan', asUser('alice'));
    expect(third.status).toBe(429);
    expect(third.headers.get('retry-after')).toMatch(/^\d+$/);
    // Bob has his own budget from the same address.
    expect((await api.act(b, 'scan', asUser('bob'))).status).toBe(200);
  });

  it('caps concurrent event streams per IP', async () => {
    nextWindow();
    const id = (await api.create()).body.qrcodeId;
    const one = await openSse(api.eventsUrl(id));
    const two = await openSse(api.eventsUrl(id));
    await one.waitForEvents(1);
    await two.waitForEvents(1);
    const three = await openSse(api.eventsUrl(id));
    expect(three.status).toBe(429);
    one.close();
    const service = app.get(QrLoginService);
    await eventually(() => service.activeWatchCount === 1, 5_000, 'one stream to close');
    const again = await openSse(api.eventsUrl(id));
    expect(again.status).toBe(200);
    two.close();
    again.close();
  });
});

describe.each(ADAPTERS)('the stream cap behind a trusted proxy on %s', (adapter) => {
  let app: Awaited<ReturnType<typeof createTestApp>>['app'];
  let api: ReturnType<typeof nativeClient>;

  beforeAll(async () => {
    const started = await createTestApp({
      adapter,
      trustProxy: true,
      options: { rateLimit: { events: false }, maxStreamsPerIp: 2 },
    });
    app = started.app;
    api = nativeClient(started.url);
  });
  afterAll(() => app.close());

  /** Opens streams from each address in turn; answers their statuses, the open ones left to close. */
  async function openFrom(id: string, addresses: string[]) {
    const streams = [];
    for (const from of addresses) streams.push(await openSse(api.eventsUrl(id), { 'x-forwarded-for': from }));
    for (const stream of streams) if (stream.status === 200) await stream.waitForEvents(1);
    return streams;
  }

  it('counts every address of one IPv6 /64 as one client, as the rate limits do', async () => {
    const id = (await api.create()).body.qrcodeId;
    const streams = await openFrom(id, ['2001:db8:aa:1::1', '2001:db8:aa:1::2', '2001:db8:aa:1:dead:beef:0:3']);
    expect(streams.map((s) => s.status)).toEqual([200, 200, 429]);
    expect(streams[2].contentType).toMatch(/json/);
    // The next /64 is another client.
    const other = await openFrom(id, ['2001:db8:aa:2::1']);
    expect(other[0].status).toBe(200);
    for (const stream of [...streams, ...other]) stream.close();
  });

  it('counts one IPv4 address once, however it is spelled', async () => {
    const id = (await api.create()).body.qrcodeId;
    const streams = await openFrom(id, ['198.51.100.7', '::ffff:198.51.100.7', '::ffff:c633:6407']);
    expect(streams.map((s) => s.status)).toEqual([200, 200, 429]);
    for (const stream of streams) stream.close();
  });
});

describe('rate limits shared by two instances through Redis', () => {
  let redis: RedisServer;
  const apps: Array<Awaited<ReturnType<typeof createTestApp>>> = [];

  beforeAll(async () => {
    redis = await startRedisServer();
    for (let i = 0; i < 2; i++) {
      const store = new RedisQrLoginStore({ url: redis.url });
      apps.push(
        await createTestApp({
          adapter: i === 0 ? 'express' : 'fastify',
          store,
          options: {
            rateLimit: {
              limiter: new RedisQrLoginRateLimiter({ client: store.client }),
              create: { limit: 4, window: 60 },
            },
          },
        }),
      );
    }
  });
  afterAll(async () => {
    for (const started of apps) await started.app.close();
    await redis.stop();
  });

  it('counts hits on either instance against one limit', async () => {
    const [a, b] = apps.map((started) => nativeClient(started.url));
    const answers: Array<{ status: number; body: unknown }> = [];
    for (let i = 0; i < 3; i++) {
      for (const client of [a, b]) {
        const { status, body } = await client.create();
        answers.push({ status, body: status === 201 ? 'created' : body });
      }
    }
    const statuses = answers.map((x) => x.status);
    expect(statuses, JSON.stringify(answers)).toEqual([201, 201, 201, 201, 429, 429]);
  });
});

describe.each(SHARED_STORE_KINDS)('the default rate limiter over the shared $name store', (kind) => {
  const apps: Array<Awaited<ReturnType<typeof createTestApp>>> = [];

  beforeAll(async () => {
    await kind.setup();
    // No limiter given: the module counts in the store the two instances share.
    for (const adapter of ADAPTERS) {
      apps.push(
        await createTestApp({
          adapter,
          store: kind.make(),
          options: { rateLimit: { create: { limit: 4, window: 60 }, status: { limit: 3, window: 60 } } },
        }),
      );
    }
  });
  afterAll(async () => {
    for (const started of apps) await started.app.close();
    await kind.teardown();
  });

  it('counts creates on either instance against one limit', async () => {
    const [a, b] = apps.map((started) => nativeClient(started.url));
    const statuses = [];
    for (let i = 0; i < 3; i++) for (const client of [a, b]) statuses.push((await client.create()).status);
    expect(statuses).toEqual([201, 201, 201, 201, 429, 429]);
  });

  it('counts status reads on either instance against one limit', async () => {
    const [a, b] = apps.map((started) => nativeClient(started.url));
    // A well-formed id whose expiry (read from the id) is long past: it reads as EXPIRED, and each read is a hit.
    const unknown = 'A'.repeat(27);
    const statuses = [];
    for (const client of [a, b, a, b]) statuses.push((await client.status(unknown)).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
  });
  it("allows exactly the limit of concurrent hits on the store's limiter", async () => {
    const store = kind.make();
    const limiter = store.createRateLimiter!();
    // Several rounds: hits that wait on one another's lock are where a window's reset could outgrow the window.
    for (let round = 0; round < 5; round++) {
      const key = `concurrent:${Date.now()}:${round}`;
      const verdicts = await Promise.all(Array.from({ length: 20 }, () => limiter.hit(key, 5, 60_000)));
      expect(verdicts.filter((v) => v.allowed)).toHaveLength(5);
      expect(verdicts.map((v) => v.count).sort((x, y) => x - y)).toEqual(Array.from({ length: 20 }, (_, n) => n + 1));
      const resets = verdicts.map((v) => v.resetInMs);
      expect(
        resets.filter((ms) => !(ms > 0 && ms <= 60_000)),
        'resets outside (0, 60 000] ms',
      ).toEqual([]);
    }
    await store.close?.();
  });
});

describe('a store of its own kind without a shared rate limiter', () => {
  /** Shares nothing with the module's memory store but its behaviour: the module cannot tell it is one process. */
  function ownStore(): QrLoginStore {
    const inner = new MemoryQrLoginStore();
    return {
      create: (record) => inner.create(record),
      get: (id) => inner.get(id),
      compareAndSet: (id, version, next) => inner.compareAndSet(id, version, next),
      watch: (id) => inner.watch(id),
      rememberOnce: (key, ttl) => inner.rememberOnce(key, ttl),
      setAlias: (alias, id, expiresAt) => inner.setAlias(alias, id, expiresAt),
      resolveAlias: (alias) => inner.resolveAlias(alias),
      close: () => inner.close(),
    };
  }

  it('stops the start with a message saying how to choose a limiter', async () => {
    await expect(createTestApp({ adapter: 'express', store: ownStore(), options: { rateLimit: {} } })).rejects.toThrow(
      /offers no shared rate limiter[\s\S]*RedisQrLoginRateLimiter[\s\S]*MemoryQrLoginRateLimiter/,
    );
  });

  it('starts with a limiter chosen, or with rate limits off', async () => {
    for (const options of [{ rateLimit: { limiter: new MemoryQrLoginRateLimiter() } }, { rateLimit: false as const }]) {
      const started = await createTestApp({ adapter: 'express', store: ownStore(), options });
      expect((await nativeClient(started.url).create()).status).toBe(201);
      await started.app.close();
    }
  });
});
