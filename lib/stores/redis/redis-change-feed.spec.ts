import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import type { RedisServer } from '../../../test/support/redis-server';
import { redisPerFile } from '../../../test/support/server-per-file';
import { eventually } from '../../../test/support/sse';
import { QrLoginStoreUnavailableError } from '../../kernel/qr-login.errors';
import { watchInto, type Watched } from '../../testing/store-contract.helpers';
import { RedisQrLoginStore } from './redis-qr-login.store';

/*
 * The change feed's failures on a real redis-server: a SUBSCRIBE that Redis
 * refuses (an ACL user without channels) ends the watch, naming the step and
 * Redis's reason, and leaves nothing subscribed.
 */

describe('RedisChangeFeed', () => {
  let server: RedisServer;
  let admin: Redis;
  const stores: RedisQrLoginStore[] = [];
  const watches: Watched[] = [];

  redisPerFile((parts) => ({ server, admin } = parts));
  afterEach(async () => {
    for (const watched of watches.splice(0)) watched.subscription.unsubscribe();
    await Promise.all(stores.splice(0).map((store) => store.close()));
  });

  it('ends a watch whose SUBSCRIBE Redis refuses, naming the step and the refusal, and subscribes nothing', async () => {
    await admin.acl('SETUSER', 'no-channels', 'on', '>secret', '~*', 'resetchannels', '+@all');
    const store = new RedisQrLoginStore({ url: `redis://no-channels:secret@127.0.0.1:${server.port}` });
    stores.push(store);
    const seen = watchInto(store, 'code-1');
    watches.push(seen);
    await eventually(() => seen.errors.length === 1, 5_000, 'the watch to fail');
    const failure = seen.errors[0] as Error;
    // The call wrapper's refusal is wrapped once more by the feed, as unavailable: what a watcher sees today.
    expect(failure).toBeInstanceOf(QrLoginStoreUnavailableError);
    expect(failure.message).toMatch(
      /^Redis could not watch a QR code \(Redis refused to watch a QR code: NOPERM .+\); check that Redis is running and reachable, the store reconnects by itself\.$/,
    );
    expect(store.watchedIds).toBe(0);
    expect(await admin.pubsub('NUMSUB', store.channelOf('code-1'))).toEqual([store.channelOf('code-1'), 0]);
  });
});
