import type { Logger } from '@nestjs/common';
import { Observable, Subject } from 'rxjs';
// Types only: pg is an optional peer.
import type { Notification, PoolClient } from 'pg';
import { QrLoginStoreUnavailableError } from '../../kernel/qr-login.errors';
import type { QrCodeRecord } from '../../kernel/interfaces/qr-code.interface';
import { closedError, noop, withTimeout, type PostgresConnection } from './postgres-connection';
import type { PostgresQrLoginNames } from './postgres-qr-login.schema';

// Internal to the Postgres store; not part of the public API.

/** Longest pause between two attempts to bring the LISTEN connection back (ms). */
const MAX_RECONNECT_DELAY_MS = 1_000;
/** Shown in `pg_stat_activity`, so operators can tell the store's LISTEN connection from its query connections. */
export const POSTGRES_QR_LOGIN_LISTENER_NAME = 'qr-login-listener';

interface WatchedCode {
  readonly id: string;
  /** Raw JSON of each version to deliver; every watcher parses its own copy. */
  readonly records: Subject<string>;
  /** Watchers of this id in this process. */
  refs: number;
  /** Highest version delivered (or skipped); unset until the first notification after subscribing. */
  delivered?: number;
  /** Highest version announced by a notification. */
  announced: number;
  /** A read of announced versions is running; further notifications only raise `announced`. */
  reading: boolean;
}

/**
 * The store's change feed over LISTEN/NOTIFY. One held connection LISTENs on
 * one channel for every code; a notification carries only `version:id`. For
 * an id watched in this process the feed reads the announced versions from
 * `code_changes` (the `changes` statement) and hands them to that id's
 * watchers in version order; ids nobody watches here cost nothing. When the
 * LISTEN connection drops, every current watcher errors with
 * `QrLoginStoreUnavailableError` (notifications sent meanwhile are lost, so a
 * stream cannot go on silently) and the feed reconnects in the background,
 * with backoff.
 */
export class PostgresChangeFeed {
  private readonly watched = new Map<string, WatchedCode>();
  /** The LISTEN connection, once LISTEN is confirmed. */
  private listener?: PoolClient;
  /** The attempt in flight to open the LISTEN connection. */
  private listening?: Promise<void>;
  private reconnectTimer?: NodeJS.Timeout;
  private reconnectAttempts = 0;
  private listenerDown = false;
  private closed = false;

  constructor(
    private readonly connection: PostgresConnection,
    private readonly names: PostgresQrLoginNames,
    /** The statement that reads the versions of a code in (`$2`, `$3`]. */
    private readonly changesSql: string,
    private readonly logger: Logger,
  ) {}

  /** Number of ids with at least one watcher in this process. */
  get watchedIds(): number {
    return this.watched.size;
  }

  /** Server process id of the LISTEN connection while it is up, else undefined. */
  get listenerPid(): number | undefined {
    return (this.listener as { processID?: number } | undefined)?.processID;
  }

  /**
   * What a read of `id` must wait for first: the LISTEN being opened, when
   * the id is watched and LISTEN is not in place yet ("watch, then read"
   * must miss nothing). Never rejects; undefined when there is nothing to wait for.
   */
  readyFor(id: string): Promise<void> | undefined {
    const waitFor = this.watched.has(id) && !this.listener ? this.listening : undefined;
    return waitFor?.catch(noop);
  }

  watch(id: string): Observable<QrCodeRecord> {
    return new Observable<QrCodeRecord>((subscriber) => {
      if (this.closed) {
        subscriber.error(closedError());
        return;
      }
      const code = this.retain(id);
      // Versions are delivered in order; this only drops one a watcher has seen already.
      let lastVersion = 0;
      const inner = code.records.subscribe({
        next: (json) => {
          const record = JSON.parse(json) as QrCodeRecord;
          if (!(record.version > lastVersion)) return;
          lastVersion = record.version;
          subscriber.next(record);
        },
        error: (error) => subscriber.error(error),
        complete: () => subscriber.complete(),
      });
      if (!this.listener) void this.startListening().catch(noop);
      return () => {
        inner.unsubscribe();
        this.release(code);
      };
    });
  }

  /**
   * Stops reconnecting, ends current watches with `error`, and destroys the
   * LISTEN connection; resolves once an attempt to open it has settled too.
   */
  async close(error: Error): Promise<void> {
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    this.failAllWatchers(error);
    const listener = this.listener;
    this.listener = undefined;
    // Destroyed, not returned: a connection still LISTENing must not go back into a pool the app keeps using.
    listener?.release(true);
    await this.listening?.catch(noop);
  }

  /** Opens the LISTEN connection unless it is open or opening; resolves once LISTEN is confirmed. */
  private startListening(): Promise<void> {
    if (this.listener) return Promise.resolve();
    this.listening ??= this.listen().then(
      () => {
        this.listening = undefined;
      },
      (error: unknown) => {
        this.listening = undefined;
        const failure = this.connection.fault(error, 'watch QR codes');
        // Nobody is listening for these ids, so their watchers cannot go on.
        this.failAllWatchers(failure);
        this.noteListenerDown(failure.message);
        this.reconnectLater();
        throw failure;
      },
    );
    return this.listening;
  }

  private async listen(): Promise<void> {
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    if (this.closed) throw closedError();
    const timeout = this.connection.callTimeout;
    const pending = this.connection.pool.connect();
    let client: PoolClient;
    try {
      client = await withTimeout(pending, timeout, 'open a connection to watch QR codes');
    } catch (error) {
      // One that arrives after the deadline goes straight back.
      pending.then((late) => late.release(), noop);
      throw error;
    }
    // Held, not released: the connection is the feed's until it fails or the store closes.
    const lost = (error?: Error) => this.listenerLost(client, error);
    client.on('error', lost);
    client.on('end', () => lost());
    client.on('notification', (message: Notification) => {
      if (message.channel === this.names.channel && message.payload) this.announced(message.payload);
    });
    try {
      await withTimeout(
        client.query(`SET application_name = '${POSTGRES_QR_LOGIN_LISTENER_NAME}'; LISTEN ${this.names.channelIdentifier}`),
        timeout,
        'start listening for QR code changes',
      );
    } catch (error) {
      client.removeAllListeners('notification');
      client.on('error', noop);
      client.release(true);
      throw error;
    }
    if (this.closed) {
      client.release(true);
      return;
    }
    this.listener = client;
    this.reconnectAttempts = 0;
    if (this.listenerDown) {
      this.listenerDown = false;
      this.logger.log('The PostgreSQL LISTEN connection is back.');
    }
  }

  private listenerLost(client: PoolClient, error?: Error): void {
    if (this.listener !== client) return;
    this.listener = undefined;
    client.removeAllListeners('notification');
    // Later errors of the dead connection must find a listener, or pg would crash the app.
    client.on('error', noop);
    client.release(error ?? true);
    if (this.closed) return;
    const failure = new QrLoginStoreUnavailableError(
      'The PostgreSQL connection that carries QR code changes was lost; open the stream again once the database is reachable.',
      { cause: error },
    );
    this.failAllWatchers(failure);
    this.noteListenerDown(error?.message ?? 'the connection ended');
    this.reconnectLater();
  }

  /** Brings the LISTEN connection back in the background: 50, 100, 200 … ms, capped, with jitter. */
  private reconnectLater(): void {
    if (this.closed || this.reconnectTimer || this.listening || this.listener) return;
    const attempt = ++this.reconnectAttempts;
    const delay = Math.min(50 * 2 ** Math.min(attempt - 1, 10), MAX_RECONNECT_DELAY_MS) + Math.floor(Math.random() * 100);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      void this.startListening().catch(noop);
    }, delay);
    this.reconnectTimer.unref();
  }

  private noteListenerDown(reason: string): void {
    if (this.listenerDown || this.closed) return;
    this.listenerDown = true;
    this.logger.warn(
      `PostgreSQL LISTEN connection failed (${reason}); watches fail with QrLoginStoreUnavailableError until it reconnects, which it keeps trying.`,
    );
  }

  /** A notification `version:id`: reads the announced versions when this process watches the id. */
  private announced(payload: string): void {
    const colon = payload.indexOf(':');
    const version = Number(payload.slice(0, colon));
    const code = this.watched.get(payload.slice(colon + 1));
    if (!code || !Number.isInteger(version)) return;
    // Notifications arrive in commit order, which for one id is version order: the first one after
    // subscribing is the oldest change this watch has to deliver.
    code.delivered ??= version - 1;
    if (version <= code.delivered) return;
    code.announced = Math.max(code.announced, version);
    if (!code.reading) void this.readAnnounced(code);
  }

  /** Reads and delivers every announced, undelivered version of a code, in order, one read at a time per id. */
  private async readAnnounced(code: WatchedCode): Promise<void> {
    code.reading = true;
    try {
      while (this.watched.get(code.id) === code && code.announced > code.delivered!) {
        const upTo = code.announced;
        const result = await this.connection.call('read a QR code change', (client) =>
          client.query<{ version: number; json: string }>(this.changesSql, [code.id, code.delivered, upTo]),
        );
        for (const row of result.rows) code.records.next(row.json);
        // A version gone from the table expired with its code, which the service derives from expiresAt.
        code.delivered = Math.max(code.delivered!, upTo);
      }
    } catch (error) {
      // The change happened but cannot be read, so the stream cannot go on silently.
      this.dropWatched(code, this.connection.fault(error, 'read a QR code change'));
    } finally {
      code.reading = false;
    }
  }

  /** Adds a watcher of an id. */
  private retain(id: string): WatchedCode {
    let code = this.watched.get(id);
    if (!code) {
      code = { id, records: new Subject<string>(), refs: 0, announced: 0, reading: false };
      this.watched.set(id, code);
    }
    code.refs++;
    return code;
  }

  /** Removes a watcher; the LISTEN stays, since it serves every id. */
  private release(code: WatchedCode): void {
    if (--code.refs > 0 || this.watched.get(code.id) !== code) return;
    this.watched.delete(code.id);
  }

  private dropWatched(code: WatchedCode, error: Error): void {
    if (this.watched.get(code.id) === code) this.watched.delete(code.id);
    code.records.error(error);
  }

  private failAllWatchers(error: Error): void {
    for (const code of [...this.watched.values()]) this.dropWatched(code, error);
  }
}
