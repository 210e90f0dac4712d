import type { Logger } from '@nestjs/common';
import { Pool } from 'pg';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { PostgresServer } from '../../../test/support/postgres-server';
import { postgresPerFile } from '../../../test/support/server-per-file';
import { PostgresConnection } from './postgres-connection';
import { postgresQrLoginNames } from './postgres-qr-login.schema';
import { postgresQrLoginStatements } from './postgres-qr-login.statements';
import { PostgresSweeper } from './postgres-sweeper';

/*
 * The sweeper against a real PostgreSQL, one sweep at a time by hand (its
 * timer is set far off): batches, the cap of 20 batches per table and sweep,
 * live rows kept, stopping, and a sweep that fails.
 */

const HOUR = 3_600_000;
const names = postgresQrLoginNames({ tablePrefix: 'swept' });
const sql = postgresQrLoginStatements(names);
const statements = [sql.sweepCodes, sql.sweepChanges, sql.sweepKeys];

describe('PostgresSweeper', () => {
  let server: PostgresServer;
  let admin: Pool;
  const connections: PostgresConnection[] = [];
  const sweepers: PostgresSweeper[] = [];
  const sweeper = (batchSize: number, tables = statements) => {
    const connection = new PostgresConnection({ connectionString: server.url }, 5_000, names, {
      warn: () => undefined,
    } as unknown as Logger);
    connections.push(connection);
    const made = new PostgresSweeper(connection, tables, batchSize, HOUR);
    sweepers.push(made);
    return made;
  };
  /** `expired` rows past their end and `live` ones in each table. */
  const fill = async (expired: number, live = 0) => {
    for (const [state, count] of [
      ["now() - interval '1 minute'", expired],
      ["now() + interval '1 hour'", live],
    ] as const) {
      await admin.query(`
        INSERT INTO swept_codes (id, version, record, retain_until)
        SELECT md5(random()::text), 1, '{}'::json, ${state} FROM generate_series(1, ${count});
        INSERT INTO swept_code_changes (id, version, record, retain_until)
        SELECT md5(random()::text), 1, '{}'::json, ${state} FROM generate_series(1, ${count});
        INSERT INTO swept_keys (kind, key, value, expires_at)
        SELECT 'once', md5(random()::text), '', ${state} FROM generate_series(1, ${count});`);
    }
  };
  const left = async () =>
    (
      await admin.query<{ codes: number; changes: number; keys: number }>(`SELECT
        (SELECT count(*) FROM swept_codes)::int AS codes,
        (SELECT count(*) FROM swept_code_changes)::int AS changes,
        (SELECT count(*) FROM swept_keys)::int AS keys`)
    ).rows[0];

  postgresPerFile({ schema: { tablePrefix: 'swept' } }, (parts) => ({ server, admin } = parts));
  afterEach(async () => {
    vi.restoreAllMocks();
    await Promise.all(sweepers.splice(0).map((one) => one.stop()));
    await Promise.all(connections.splice(0).map((connection) => connection.end()));
    await admin.query('TRUNCATE swept_codes, swept_code_changes, swept_keys');
  });

  it('deletes every expired row of each table in batches within one sweep, and keeps the live ones', async () => {
    await fill(25, 3);
    const calls = vi.spyOn(PostgresConnection.prototype, 'call');
    await sweeper(10).sweep();
    expect(await left()).toEqual({ codes: 3, changes: 3, keys: 3 });
    // 10, 10 and 5 per table: a batch short of the batch size is the table's last.
    expect(calls.mock.calls.map(([what]) => what)).toEqual(Array(9).fill('delete expired rows'));
  });

  it('deletes at most 20 batches per table in one sweep and leaves the rest for the next', async () => {
    await fill(23);
    const one = sweeper(1);
    await one.sweep();
    expect(await left()).toEqual({ codes: 3, changes: 3, keys: 3 });
    await one.sweep();
    expect(await left()).toEqual({ codes: 0, changes: 0, keys: 0 });
  });

  it('runs one sweep at a time', async () => {
    await fill(5);
    const one = sweeper(2);
    const first = one.sweep();
    expect(one.sweep()).toBe(first);
    await first;
    expect(await left()).toEqual({ codes: 0, changes: 0, keys: 0 });
  });

  it('stops after the batch in progress, and sweeps no more once stopped', async () => {
    await fill(5);
    const one = sweeper(1);
    const sweeping = one.sweep();
    const stopped = one.stop();
    expect(stopped).toBe(sweeping);
    await stopped;
    expect(await left()).toEqual({ codes: 4, changes: 5, keys: 5 });
    await one.sweep();
    expect(await left()).toEqual({ codes: 4, changes: 5, keys: 5 });
    await expect(one.stop()).resolves.toBeUndefined();
  });

  it('swallows a failed sweep and goes on with the next, on a timer that keeps no process alive', async () => {
    await fill(2);
    const one = sweeper(10, ['DELETE FROM nowhere WHERE $1::int > 0', ...statements]);
    await expect(one.sweep()).resolves.toBeUndefined();
    expect(await left()).toEqual({ codes: 2, changes: 2, keys: 2 });
    const healthy = sweeper(10);
    expect((healthy as unknown as { timer: NodeJS.Timeout }).timer.hasRef()).toBe(false);
    await healthy.sweep();
    await fill(1);
    await healthy.sweep();
    expect(await left()).toEqual({ codes: 0, changes: 0, keys: 0 });
  });
});
