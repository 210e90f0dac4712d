import type { Logger } from '@nestjs/common';
import { Observable, Subject } from 'rxjs';
import type { QrCodeRecord } from '../../kernel/interfaces/qr-code.interface';
import { closedError, noop, type PostgresConnection } from './postgres-connection';
import { PostgresListener } from './postgres-listener';
import type { PostgresQrLoginNames } from './postgres-qr-login.schema';

// Internal to the Postgres store; not part of the public API.

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
 * The store's change feed over LISTEN/NOTIFY. One held connection
 * (`PostgresListener`) LISTENs on one channel for every code; a notification
 * carries only `version:id`. For an id watched in this process the feed reads
 * the announced versions from `code_changes` (the `changes` statement) and
 * hands them to that id's watchers in version order; ids nobody watches here
 * cost nothing. When the LISTEN connection drops, every current watcher
 * errors with `QrLoginStoreUnavailableError` (notifications sent meanwhile
 * are lost, so a stream cannot go on silently) while the listener reconnects.
 * @internal
 */
export class PostgresChangeFeed {
  private readonly watched = new Map<string, WatchedCode>();
  private readonly listener: PostgresListener;
  private closed = false;

  constructor(
    private readonly connection: PostgresConnection,
    names: PostgresQrLoginNames,
    /** The statement that reads the versions of a code in (`$2`, `$3`]. */
    private readonly changesSql: string,
    logger: Logger,
  ) {
    this.listener = new PostgresListener(connection, names, logger, {
      notified: (payload) => this.announced(payload),
      lost: (error) => this.failAllWatchers(error),
    });
  }

  /** Number of ids with at least one watcher in this process. */
  get watchedIds(): number {
    return this.watched.size;
  }

  /** Server process id of the LISTEN connection while it is up, else undefined. */
  get listenerPid(): number | undefined {
    return this.listener.pid;
  }

  /**
   * What a read of `id` must wait for first: the LISTEN being opened, when
   * the id is watched and LISTEN is not in place yet ("watch, then read"
   * must miss nothing). Never rejects; undefined when there is nothing to wait for.
   */
  readyFor(id: string): Promise<void> | undefined {
    // Only an attempt to open LISTEN in flight is pending: none once it is up.
    return this.watched.has(id) ? this.listener.pending?.catch(noop) : undefined;
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
        // `records` never completes: a watch ends by unsubscribing or with an error.
        error: (error) => subscriber.error(error),
      });
      // Opens LISTEN unless it is open or opening already.
      void this.listener.start().catch(noop);
      return () => {
        inner.unsubscribe();
        this.release(code);
      };
    });
  }

  /** Ends current watches with `error` and closes the LISTEN connection. */
  async close(error: Error): Promise<void> {
    this.closed = true;
    this.failAllWatchers(error);
    await this.listener.close();
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
