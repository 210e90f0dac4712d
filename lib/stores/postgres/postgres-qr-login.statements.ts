import type { PostgresQrLoginNames } from './postgres-qr-login.schema';

// Internal to the Postgres store; not part of the public API.

/** Every statement, written once per store from its table names. @internal */
export function postgresQrLoginStatements(names: PostgresQrLoginNames) {
  const sweep = (table: string, column: string) =>
    // SKIP LOCKED: rows a login is updating right now, or another instance is sweeping, are left for later.
    `DELETE FROM ${table} WHERE ctid IN (SELECT ctid FROM ${table} WHERE ${column} <= now() LIMIT $1 FOR UPDATE SKIP LOCKED)`;
  // A record's insert from `source` (VALUES or SELECT): an expired row of the same id (not swept yet) counts as absent.
  const insertCode = (source: string) => `INSERT INTO ${names.codes} AS c (id, version, record, retain_until)
  ${source}
  ON CONFLICT (id) DO UPDATE SET version = EXCLUDED.version, record = EXCLUDED.record, retain_until = EXCLUDED.retain_until
  WHERE c.retain_until <= now()
  RETURNING id, version, record, retain_until`;
  // The change row of what `written` returns, for streams to read; it replaces a leftover one.
  const logged = (written: string) => `logged AS (
  INSERT INTO ${names.changes} AS l (id, version, record, retain_until)
  SELECT id, version, record, retain_until FROM ${written}
  ON CONFLICT (id, version) DO UPDATE SET record = EXCLUDED.record, retain_until = EXCLUDED.retain_until
)`;
  // A one-time fact or an alias: written when absent or ended, else left as it is (no row returned).
  const claimKey = (kind: string, key: string, value: string, expiresAt: string) =>
    `INSERT INTO ${names.keys} AS k (kind, key, value, expires_at)
VALUES ('${kind}', ${key}, ${value}, ${expiresAt})
ON CONFLICT (kind, key) DO UPDATE SET value = EXCLUDED.value, expires_at = EXCLUDED.expires_at
WHERE k.expires_at <= now()`;
  return {
    create: `WITH created AS (
  ${insertCode('VALUES ($1, $2, $3::json, to_timestamp($4::float8 / 1000))')}
), ${logged('created')}
SELECT pg_notify($5, version || ':' || id) FROM created`,
    // The alias gates the record: no alias row (taken and live), no record. An id that exists already (a bug) fails
    // the cast below (of a subquery's answer, so the planner cannot fold it early), which rolls the whole statement back,
    // alias included. Answers aliased = 0 when the alias is taken.
    createWithAlias: `WITH aliased AS (
  ${claimKey('alias', '$6', '$1', 'to_timestamp($7::float8 / 1000)')}
  RETURNING key
), created AS (
  ${insertCode('SELECT $1, $2, $3::json, to_timestamp($4::float8 / 1000) FROM aliased')}
), ${logged('created')}
SELECT (SELECT count(*) FROM aliased)::int AS aliased,
  (SELECT pg_notify($5, version || ':' || id) FROM created) AS notified,
  CASE WHEN (SELECT count(*) FROM aliased) > (SELECT count(*) FROM created)
    THEN (SELECT 'A QR code with id ' || $1 || ' exists already.' FROM aliased)::int
  END AS refused`,
    compareAndSet: `WITH changed AS (
  UPDATE ${names.codes} SET version = $3, record = $4::json, retain_until = to_timestamp($5::float8 / 1000)
  WHERE id = $1 AND version = $2 AND retain_until > now()
  RETURNING id, version, record, retain_until
), ${logged('changed')}
SELECT pg_notify($6, version || ':' || id) FROM changed`,
    get: `SELECT record::text AS json FROM ${names.codes} WHERE id = $1 AND retain_until > now()`,
    changes: `SELECT version, record::text AS json FROM ${names.changes}
WHERE id = $1 AND version > $2 AND version <= $3 AND retain_until > now() ORDER BY version`,
    rememberOnce: claimKey('once', '$1', "''", "now() + $2::float8 * interval '1 millisecond'"),
    setAlias: claimKey('alias', '$1', '$2', 'to_timestamp($3::float8 / 1000)'),
    // A fixed-window counter, one row locked by the upsert: the first hit (or the first after the window) starts
    // a window at 1, later ones add one. Kept with the one-time facts (kind 'once', the limiter's own key prefix),
    // so the schema needs no new table and the sweeper deletes ended windows.
    // The time is read when the row is locked (clock_timestamp), not when the transaction began (now()): a hit that
    // waited on the lock behind a later one would otherwise date itself before that window began and answer a
    // reset longer than the window. Both CASEs compare with the one time VALUES took, so they always agree.
    rateHit: `INSERT INTO ${names.keys} AS k (kind, key, value, expires_at)
VALUES ('once', $1, '1', clock_timestamp() + $2::float8 * interval '1 millisecond')
ON CONFLICT (kind, key) DO UPDATE SET
  value = CASE WHEN k.expires_at <= EXCLUDED.expires_at - $2::float8 * interval '1 millisecond'
    THEN '1' ELSE (k.value::bigint + 1)::text END,
  expires_at = CASE WHEN k.expires_at <= EXCLUDED.expires_at - $2::float8 * interval '1 millisecond'
    THEN EXCLUDED.expires_at ELSE k.expires_at END
RETURNING value::bigint AS count,
  LEAST($2::float8, GREATEST(1, CEIL(EXTRACT(EPOCH FROM (expires_at - clock_timestamp())) * 1000)))::float8 AS reset_ms`,
    resolveAlias: `SELECT value FROM ${names.keys} WHERE kind = 'alias' AND key = $1 AND expires_at > now()`,
    sweepCodes: sweep(names.codes, 'retain_until'),
    sweepChanges: sweep(names.changes, 'retain_until'),
    sweepKeys: sweep(names.keys, 'expires_at'),
  };
}
