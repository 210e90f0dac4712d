import type { Logger } from '@nestjs/common';
// Types only: pg is an optional peer.
import type { Notification, PoolClient } from 'pg';
import { QrLoginStoreUnavailableError } from '../../kernel/qr-login.errors';
import { closedError, noop, withTimeout, type PostgresConnection } from './postgres-connection';
import type { PostgresQrLoginNames } from './postgres-qr-login.schema';

// Internal to the Postgres store; not part of the public API.

/** Longest pause between two attempts to bring the LISTEN connection back (ms). */
const MAX_RECONNECT_DELAY_MS = 1_000;
/** Shown in `pg_stat_activity`, so operators can tell the store's LISTEN connection from its query connections. */
export const POSTGRES_QR_LOGIN_LISTENER_NAME = 'qr-login-listener';

/** What the listener tells its owner. @internal */
export interface PostgresListenerEvents {
  /** A notification on the store's channel, with its payload. */
  notified(payload: string): void;
  /** LISTEN could not be opened, or its connection was lost: notifications may have been missed. */
  lost(error: Error): void;
}

/**
 * The one connection a store holds out of its pool to LISTEN on its channel.
 * It is opened on demand, reported as lost when it fails (notifications
 * sent meanwhile are gone), and brought back in the background with backoff.
 * @internal
 */
export class PostgresListener {
  /** The LISTEN connection, once LISTEN is confirmed. */
  private client?: PoolClient;
  /** The attempt in flight to open the LISTEN connection. */
  private opening?: Promise<void>;
  private reconnectTimer?: NodeJS.Timeout;
  private reconnectAttempts = 0;
  private down = false;
  private closed = false;

  constructor(
    private readonly connection: PostgresConnection,
    private readonly names: PostgresQrLoginNames,
    private readonly logger: Logger,
    private readonly events: PostgresListenerEvents,
  ) {}

  /** Server process id of the LISTEN connection while it is up, else undefined. */
  get pid(): number | undefined {
    return (this.client as { processID?: number } | undefined)?.processID;
  }

  /** The attempt in flight to open LISTEN, if any (it may reject). */
  get pending(): Promise<void> | undefined {
    return this.opening;
  }

  /** Opens the LISTEN connection unless it is open or opening; resolves once LISTEN is confirmed. */
  start(): Promise<void> {
    if (this.client) return Promise.resolve();
    this.opening ??= this.open().then(
      () => {
        this.opening = undefined;
      },
      (error: unknown) => {
        this.opening = undefined;
        const failure = this.connection.fault(error, 'watch QR codes');
        // Nobody is listening, so whoever counts on notifications cannot go on.
        this.events.lost(failure);
        this.noteDown(failure.message);
        this.reconnectLater();
        throw failure;
      },
    );
    return this.opening;
  }

  /** Stops reconnecting and destroys the connection; resolves once an attempt to open it has settled too. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    const client = this.client;
    this.client = undefined;
    // Destroyed, not returned: a connection still LISTENing must not go back into a pool the app keeps using.
    client?.release(true);
    await this.opening?.catch(noop);
  }

  private async open(): Promise<void> {
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
    // Held, not released: the connection is the listener's until it fails or the store closes.
    const lost = (error?: Error) => this.dropped(client, error);
    client.on('error', lost);
    client.on('end', () => lost());
    client.on('notification', (message: Notification) => {
      if (message.channel === this.names.channel && message.payload) this.events.notified(message.payload);
    });
    try {
      await withTimeout(
        client.query(
          `SET application_name = '${POSTGRES_QR_LOGIN_LISTENER_NAME}'; LISTEN ${this.names.channelIdentifier}`,
        ),
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
    this.client = client;
    this.reconnectAttempts = 0;
    if (this.down) {
      this.down = false;
      this.logger.log('The PostgreSQL LISTEN connection is back.');
    }
  }

  private dropped(client: PoolClient, error?: Error): void {
    if (this.client !== client) return;
    this.client = undefined;
    client.removeAllListeners('notification');
    // Later errors of the dead connection must find a listener, or pg would crash the app.
    client.on('error', noop);
    client.release(error ?? true);
    if (this.closed) return;
    this.events.lost(
      new QrLoginStoreUnavailableError(
        'The PostgreSQL connection that carries QR code changes was lost; open the stream again once the database is reachable.',
        { cause: error },
      ),
    );
    this.noteDown(error?.message ?? 'the connection ended');
    this.reconnectLater();
  }

  /** Brings the LISTEN connection back in the background: 50, 100, 200 … ms, capped, with jitter. */
  private reconnectLater(): void {
    if (this.closed || this.reconnectTimer || this.opening || this.client) return;
    const attempt = ++this.reconnectAttempts;
    const delay =
      Math.min(50 * 2 ** Math.min(attempt - 1, 10), MAX_RECONNECT_DELAY_MS) + Math.floor(Math.random() * 100);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      void this.start().catch(noop);
    }, delay);
    this.reconnectTimer.unref();
  }

  private noteDown(reason: string): void {
    if (this.down || this.closed) return;
    this.down = true;
    this.logger.warn(
      `PostgreSQL LISTEN connection failed (${reason}); watches fail with QrLoginStoreUnavailableError until it reconnects, which it keeps trying.`,
    );
  }
}
