import type { PostgresConnection } from './postgres-connection';

// Internal to the Postgres store; not part of the public API.

/** Most batches one sweep deletes per table before waiting for the next tick, so a backlog is worked off in steps. */
const MAX_BATCHES_PER_SWEEP = 20;

/**
 * Deletes expired rows on one unref'd timer, in batches of `batchSize` rows
 * per statement. Reads ignore expired rows anyway, so this only bounds table
 * size: a failed sweep (database away or busy) simply waits for the next tick.
 * @internal
 */
export class PostgresSweeper {
  private readonly timer: NodeJS.Timeout;
  private sweeping?: Promise<void>;
  private stopped = false;

  constructor(
    private readonly connection: PostgresConnection,
    /** One `DELETE … LIMIT $1` statement per table. */
    private readonly statements: readonly string[],
    private readonly batchSize: number,
    /** Time between sweeps (ms). */
    interval: number,
  ) {
    this.timer = setInterval(() => void this.sweep(), interval);
    // Expired rows waiting for a sweep must not keep the process alive on shutdown.
    this.timer.unref();
  }

  /** Deletes expired rows in small batches; one sweep at a time; a failure waits for the next tick. */
  sweep(): Promise<void> {
    if (this.sweeping || this.stopped) return this.sweeping ?? Promise.resolve();
    this.sweeping = (async () => {
      try {
        for (const statement of this.statements) {
          for (let batch = 0; batch < MAX_BATCHES_PER_SWEEP && !this.stopped; batch++) {
            const deleted = await this.connection.call('delete expired rows', (client) =>
              client.query(statement, [this.batchSize]),
            );
            if ((deleted.rowCount ?? 0) < this.batchSize) break;
          }
        }
      } catch {
        // The database is away or busy: reads ignore expired rows, so the next tick is soon enough.
      } finally {
        this.sweeping = undefined;
      }
    })();
    return this.sweeping;
  }

  /** Stops the timer; resolves once a sweep in progress has finished its current batch. */
  stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    return this.sweeping ?? Promise.resolve();
  }
}
