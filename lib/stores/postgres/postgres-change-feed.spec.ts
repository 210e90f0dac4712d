import { Pool, type PoolClient } from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import type { PostgresServer } from '../../../test/support/postgres-server';
import { postgresPerFile } from '../../../test/support/server-per-file';
import { QrLoginStoreUnavailableError } from '../../kernel/qr-login.errors';
import { eventually, newRecord, successor, watchInto, type Watched } from '../../testing';
import { PostgresQrLoginStore } from './index';

/*
 * The change feed against a real PostgreSQL: notifications it must ignore,
 * a change it cannot read, and watching a closed store. Notifications are
 * sent with pg_notify by hand where the store itself never would send them.
 */

describe('PostgresChangeFeed', () => {
  let server: PostgresServer;
  let admin: Pool;
  const stores: PostgresQrLoginStore[] = [];
  const watches: Watched[] = [];
  const open = (options: ConstructorParameters<typeof PostgresQrLoginStore>[0] = { connectionString: server.url }) => {
    const store = new PostgresQrLoginStore(options);
    stores.push(store);
    return store;
  };
  const watch = (store: PostgresQrLoginStore, id: string) => {
    const watched = watchInto(store, id);
    watches.push(watched);
    return watched;
  };
  const notify = (channel: string, payload: string) => admin.query('SELECT pg_notify($1, $2)', [channel, payload]);

  postgresPerFile({}, (parts) => ({ server, admin } = parts));
  afterEach(async () => {
    for (const watched of watches.splice(0)) watched.subscription.unsubscribe();
    await Promise.all(stores.splice(0).map((store) => store.close()));
  });

  it('fails a watch of a closed store at once', async () => {
    const store = open();
    await store.close();
    const seen = watch(store, 'late');
    expect(seen.errors).toHaveLength(1);
    expect(seen.errors[0]).toBeInstanceOf(QrLoginStoreUnavailableError);
    expect((seen.errors[0] as Error).message).toBe(
      'The PostgreSQL QR login store was closed (the app is shutting down).',
    );
    expect(store.watchedIds).toBe(0);
  });

  it('ignores notifications without a version, and still delivers the changes that follow', async () => {
    const store = open();
    const record = newRecord();
    const seen = watch(store, record.id);
    await store.get(record.id);
    for (const payload of [`x:${record.id}`, `:${record.id}`, `1.5:${record.id}`, record.id])
      await notify('qr_login_changes', payload);
    await store.create(record);
    const next = successor(record);
    await store.compareAndSet(record.id, 1, next);
    await eventually(() => seen.records.length === 2, 5_000, 'both versions on the watcher');
    expect(seen.records).toEqual([record, next]);
    expect(seen.errors).toEqual([]);
  });

  it('ignores an empty notification, so a watch joined late still starts at the next change', async () => {
    const store = open();
    // The empty id is the one an empty payload would name.
    const record = newRecord({ id: '' });
    await store.create(record);
    const second = successor(record);
    await store.compareAndSet('', 1, second);
    const seen = watch(store, '');
    await store.get('');
    await notify('qr_login_changes', '');
    const third = successor(second);
    await store.compareAndSet('', 2, third);
    await eventually(() => seen.records.length >= 1, 5_000, 'the third version');
    expect(seen.versions()).toEqual([3]);
  });

  it('ignores a version it has delivered already when it is announced again', async () => {
    const store = open();
    const record = newRecord();
    const seen = watch(store, record.id);
    await store.get(record.id);
    await store.create(record);
    await eventually(() => seen.records.length === 1, 5_000, 'the create');
    await notify('qr_login_changes', `1:${record.id}`);
    const next = successor(record);
    await store.compareAndSet(record.id, 1, next);
    await eventually(() => seen.records.length >= 2, 5_000, 'the change');
    expect(seen.versions()).toEqual([1, 2]);
  });

  it('holds a read of a watched id until LISTEN is in place, and no other read', async () => {
    const pool = new Pool({ connectionString: server.url, max: 3 });
    pool.on('error', () => undefined);
    // Whichever connection the pool hands the listener, it is busy for 2 s before it may LISTEN.
    pool.on('connect', (client: any) => {
      const query = client.query.bind(client);
      client.query = (...args: any[]) =>
        typeof args[0] === 'string' && args[0].includes('LISTEN ')
          ? query('SELECT pg_sleep(2)').then(() => query(...args))
          : query(...args);
    });
    try {
      const store = open({ pool, callTimeout: 10_000 });
      const record = newRecord();
      await open().create(record);
      watch(store, record.id);
      // Another id is read at once, while LISTEN still waits.
      expect(await store.get('not-watched')).toBeNull();
      expect(store.listenerPid).toBeUndefined();
      // The watched one only once LISTEN is confirmed.
      expect(await store.get(record.id)).toEqual(record);
      expect(store.listenerPid).toBeTypeOf('number');
      await store.close();
    } finally {
      await pool.end();
    }
  });

  it('keeps a watch opened again from the error of the one the lost connection ended', async () => {
    const store = open();
    const record = newRecord();
    const renewed: Watched[] = [];
    // What a client that retries at once does: watch again from inside the error.
    const first = store.watch(record.id).subscribe({
      error: () => renewed.push(watch(store, record.id)),
    });
    await store.get(record.id);
    const pid = store.listenerPid!;
    await admin.query('SELECT pg_terminate_backend($1)', [pid]);
    await eventually(() => renewed.length === 1, 5_000, 'the watch to end and be opened again');
    expect(first.closed).toBe(true);
    expect(store.watchedIds).toBe(1);
    await eventually(() => store.listenerPid !== undefined, 5_000, 'LISTEN to be back');
    await store.get(record.id);
    await open().create(record);
    await eventually(() => renewed[0].records.length === 1, 5_000, 'the create on the renewed watch');
    expect(renewed[0].records).toEqual([record]);
  });

  it("ends a code's watchers with the reason when a change cannot be read", async () => {
    await admin.query('CREATE SCHEMA IF NOT EXISTS broken');
    const store = open({ connectionString: server.url, schema: 'broken' });
    await store.ensureSchema();
    const record = newRecord();
    const seen = watch(store, record.id);
    const bystander = watch(store, `${record.id}-other`);
    await store.get(record.id);
    await admin.query('DROP TABLE broken.qr_login_code_changes');
    await notify('broken.qr_login_changes', `1:${record.id}`);
    await eventually(() => seen.errors.length === 1, 5_000, 'the watcher to fail');
    const failure = seen.errors[0] as Error;
    // The call reports the missing table; the feed then answers it as the store being unavailable.
    expect(failure).toBeInstanceOf(QrLoginStoreUnavailableError);
    expect(failure.message).toMatch(
      /^PostgreSQL could not read a QR code change \(PostgreSQL could not read a QR code change: relation "broken.qr_login_code_changes" does not exist\. Create the store's tables/,
    );
    // Only that code's watchers end; its entry is gone, the other id stays watched.
    expect(store.watchedIds).toBe(1);
    expect(bystander.errors).toEqual([]);
  });

  it('reads a code once at a time: versions announced during a read wait for it, then come in one more read', async () => {
    const pool = new Pool({ connectionString: server.url, max: 6 });
    pool.on('error', () => undefined);
    // Every read of a change takes a connection from the pool: counting them counts the reads.
    let reads = 0;
    pool.on('acquire', () => reads++);
    const locker = await pool.connect();
    const store = open({ pool, callTimeout: 10_000 });
    try {
      const record = newRecord();
      const writer = open();
      await writer.create(record);
      const second = successor(record);
      await writer.compareAndSet(record.id, 1, second);
      await writer.compareAndSet(record.id, 2, successor(second));
      const seen = watch(store, record.id);
      await store.get(record.id);
      // Until the lock goes, any read of the changes waits.
      await locker.query('BEGIN; LOCK TABLE qr_login_code_changes IN ACCESS EXCLUSIVE MODE');
      reads = 0;
      // The three versions announced on the LISTEN connection itself: its own notifications reach it
      // before the answer to this statement, so all three have been handled when it resolves.
      const listening = (store as unknown as { feed: { listener: { client: PoolClient } } }).feed.listener.client;
      await listening.query('SELECT pg_notify($1, $2), pg_notify($1, $3), pg_notify($1, $4)', [
        'qr_login_changes',
        `1:${record.id}`,
        `2:${record.id}`,
        `3:${record.id}`,
      ]);
      await locker.query('COMMIT');
      await eventually(() => seen.records.length === 3, 5_000, 'the three versions');
      // Every read started has given its connection back: only LISTEN and the lock's own are out.
      await eventually(
        () => pool.waitingCount === 0 && pool.idleCount === pool.totalCount - 2,
        5_000,
        'the reads to end',
      );
      expect(seen.versions()).toEqual([1, 2, 3]);
      // The read of version 1, then one of versions 2 and 3: not one read per notification.
      expect(reads).toBe(2);
      expect(seen.errors).toEqual([]);
    } finally {
      await store.close();
      locker.release(true);
      await pool.end();
    }
  });

  it('leaves a newer watch of the id alone when a read for watchers that have left fails', async () => {
    await admin.query('CREATE SCHEMA IF NOT EXISTS gone');
    const pool = new Pool({ connectionString: server.url, max: 2 });
    pool.on('error', () => undefined);
    try {
      const store = open({ pool, schema: 'gone' });
      await store.ensureSchema();
      const record = newRecord();
      const left = watch(store, record.id);
      await store.get(record.id);
      await admin.query('DROP TABLE gone.qr_login_code_changes');
      // The one connection besides LISTEN is taken, so the read of the change waits for it.
      const held = await pool.connect();
      await notify('gone.qr_login_changes', `1:${record.id}`);
      await eventually(() => pool.waitingCount === 1, 5_000, 'the read to wait for a connection');
      left.subscription.unsubscribe();
      const newer = watch(store, record.id);
      held.release();
      await eventually(() => pool.waitingCount === 0 && pool.idleCount === 1, 5_000, 'the read to fail');
      expect(left.errors).toEqual([]);
      expect(newer.errors).toEqual([]);
      expect(store.watchedIds).toBe(1);
      await store.close();
      expect(newer.errors).toHaveLength(1);
    } finally {
      await pool.end();
    }
  });
});
