import { Pool } from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import type { PostgresServer } from '../../../test/support/postgres-server';
import { postgresPerFile } from '../../../test/support/server-per-file';
import { PostgresQrLoginStore } from './index';

/*
 * The limiter `PostgresQrLoginStore.createRateLimiter()` hands the module,
 * against a real PostgreSQL: where it counts, the limit at and one past it,
 * the reset it answers, and a window that has ended. Windows end by moving
 * the row's end into the past (the database clock times them), not by waiting.
 */

const MINUTE = 60_000;

describe('PostgresQrLoginStore.createRateLimiter', () => {
  let server: PostgresServer;
  let admin: Pool;
  const stores: PostgresQrLoginStore[] = [];
  const open = () => {
    const store = new PostgresQrLoginStore({ connectionString: server.url });
    stores.push(store);
    return store;
  };
  const row = async (key: string) =>
    (await admin.query<{ kind: string; value: string }>('SELECT kind, value FROM qr_login_keys WHERE key = $1', [key]))
      .rows;

  postgresPerFile({}, (parts) => ({ server, admin } = parts));
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((store) => store.close()));
  });

  it('counts each key in its own row under "qr-login:rate:", shared by every store on the database', async () => {
    const [one, two] = [open().createRateLimiter(), open().createRateLimiter()];
    expect(await one.hit('1.2.3.4', 5, MINUTE)).toMatchObject({ allowed: true, count: 1 });
    expect(await two.hit('1.2.3.4', 5, MINUTE)).toMatchObject({ allowed: true, count: 2 });
    expect(await one.hit('5.6.7.8', 5, MINUTE)).toMatchObject({ allowed: true, count: 1 });
    expect(await row('qr-login:rate:1.2.3.4')).toEqual([{ kind: 'once', value: '2' }]);
    expect(await row('qr-login:rate:5.6.7.8')).toEqual([{ kind: 'once', value: '1' }]);
    expect(await row('1.2.3.4')).toEqual([]);
  });

  it('allows exactly `limit` hits in a window and refuses the ones past it', async () => {
    const limiter = open().createRateLimiter();
    const answers = [];
    for (let hit = 0; hit < 4; hit++) answers.push(await limiter.hit('limited', 2, MINUTE));
    expect(answers.map(({ allowed, count }) => [allowed, count])).toEqual([
      [true, 1],
      [true, 2],
      [false, 3],
      [false, 4],
    ]);
  });

  it('answers the time left in the window, at most the window and at least 1 ms', async () => {
    const limiter = open().createRateLimiter();
    const { resetInMs } = await limiter.hit('reset', 5, MINUTE);
    expect(resetInMs).toBeLessThanOrEqual(MINUTE);
    // The time the statement itself took is all that is gone.
    expect(resetInMs).toBeGreaterThan(MINUTE - 5_000);
    // A window under a millisecond is one millisecond long.
    expect((await limiter.hit('tiny', 5, 0.2)).resetInMs).toBe(1);
    expect((await limiter.hit('none', 5, 0)).resetInMs).toBe(1);
    // A fractional window is rounded up to whole milliseconds, so the answer is whole too (2, or 1 on a slow statement).
    for (let key = 0; key < 5; key++) {
      const fractional = (await limiter.hit(`fractional-${key}`, 5, 1.5)).resetInMs;
      expect([1, 2]).toContain(fractional);
    }
  });

  it('starts a new window at 1 once the last one has ended', async () => {
    const limiter = open().createRateLimiter();
    for (let hit = 0; hit < 3; hit++) await limiter.hit('windowed', 2, MINUTE);
    await admin.query(`UPDATE qr_login_keys SET expires_at = now() - interval '1 second' WHERE key = $1`, [
      'qr-login:rate:windowed',
    ]);
    const fresh = await limiter.hit('windowed', 2, MINUTE);
    expect(fresh).toMatchObject({ allowed: true, count: 1 });
    expect(fresh.resetInMs).toBeGreaterThan(MINUTE - 5_000);
    expect(await row('qr-login:rate:windowed')).toEqual([{ kind: 'once', value: '1' }]);
  });
});
