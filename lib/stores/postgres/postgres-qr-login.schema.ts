import { QrLoginConfigError } from '../../kernel/qr-login.errors';

/** Where the Postgres store keeps its tables. Both fields are plain lower-case SQL identifiers. */
export interface PostgresQrLoginSchemaOptions {
  /**
   * Schema of the tables, e.g. `'auth'`. It must exist already (the helper
   * creates tables, not schemas). Default: none, so the connection's
   * `search_path` decides (usually `public`).
   */
  schema?: string;
  /**
   * First part of every table and of the notification channel, so several
   * apps can share one database without seeing each other's codes.
   * Default `'qr_login'`: tables `qr_login_codes`, `qr_login_code_changes`,
   * `qr_login_keys`, channel `qr_login_changes`.
   */
  tablePrefix?: string;
}

/** The quoted, schema-qualified names the store uses in its SQL. */
export interface PostgresQrLoginNames {
  /** One row per code: the current version and record. */
  codes: string;
  /** One row per version of a code, read by watchers after a notification. */
  changes: string;
  /** One-time facts (`rememberOnce`) and aliases (`setAlias`). */
  keys: string;
  /** The LISTEN/NOTIFY channel, unquoted (pg_notify takes it as text). */
  channel: string;
  /** The channel as an identifier for LISTEN. */
  channelIdentifier: string;
}

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;
// PostgreSQL cuts identifiers (and channel names) at 63 bytes; a cut name would silently point elsewhere.
const MAX_IDENTIFIER_BYTES = 63;

/** Checks the options and derives every name from them; throws `QrLoginConfigError` on a name that cannot work. */
export function postgresQrLoginNames(options: PostgresQrLoginSchemaOptions = {}): PostgresQrLoginNames {
  const prefix = options.tablePrefix ?? 'qr_login';
  const schema = options.schema;
  if (typeof prefix !== 'string' || !IDENTIFIER.test(prefix)) {
    throw new QrLoginConfigError(
      `PostgresQrLoginStore "tablePrefix" must be a lower-case SQL identifier (letters, digits, "_"; not starting with a digit); got ${JSON.stringify(prefix)}.`,
    );
  }
  if (schema !== undefined && (typeof schema !== 'string' || !IDENTIFIER.test(schema))) {
    throw new QrLoginConfigError(
      `PostgresQrLoginStore "schema" must be a lower-case SQL identifier (letters, digits, "_"); got ${JSON.stringify(schema)}. Leave it out to use the search_path.`,
    );
  }
  const channel = schema ? `${schema}.${prefix}_changes` : `${prefix}_changes`;
  const longest = Math.max(`${prefix}_code_changes_retain_until`.length, channel.length, (schema ?? '').length);
  if (longest > MAX_IDENTIFIER_BYTES) {
    throw new QrLoginConfigError(
      `PostgresQrLoginStore "tablePrefix" and "schema" are too long: names derived from them must fit PostgreSQL's ${MAX_IDENTIFIER_BYTES} bytes; use a shorter prefix.`,
    );
  }
  const qualify = (table: string) => (schema ? `"${schema}"."${table}"` : `"${table}"`);
  return {
    codes: qualify(`${prefix}_codes`),
    changes: qualify(`${prefix}_code_changes`),
    keys: qualify(`${prefix}_keys`),
    channel,
    channelIdentifier: `"${channel}"`,
  };
}

/**
 * The migration: the store's three tables and their expiry indexes, as one
 * idempotent SQL script (`CREATE … IF NOT EXISTS`). Put it in your own
 * migrations, or run it at start-up with `ensurePostgresQrLoginSchema`.
 *
 * - `codes`: the current version of each code. Compare-and-set is one
 *   `UPDATE … WHERE id = $1 AND version = $2 AND retain_until > now()`.
 * - `code_changes`: every version of each code. A notification carries only
 *   the id and version, so a record of any size fits; a watcher reads the
 *   versions it was told about from here, so none is skipped even when
 *   several changes land before it reads.
 * - `keys`: one-time facts and aliases, told apart by `kind`.
 *
 * Records are `json`, not `jsonb`: `json` keeps the text exactly as written
 * and accepts every string JSON can carry, where `jsonb` refuses an escaped
 * NUL (`\u0000`) that a client may well send in `customData`. Both can be
 * queried with `->` and `->>`.
 *
 * Rows past `retain_until` / `expires_at` are ignored by every read and
 * deleted in small batches by the store's sweeper, found through the indexes.
 */
export function postgresQrLoginSchemaSql(options: PostgresQrLoginSchemaOptions = {}): string {
  const names = postgresQrLoginNames(options);
  const index = (table: string, suffix: string) => `"${table.replace(/"/g, '').split('.').pop()}_${suffix}"`;
  return `CREATE TABLE IF NOT EXISTS ${names.codes} (
  id           text        PRIMARY KEY,
  version      integer     NOT NULL,
  record       json        NOT NULL,
  retain_until timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS ${index(names.codes, 'retain_until')} ON ${names.codes} (retain_until);

CREATE TABLE IF NOT EXISTS ${names.changes} (
  id           text        NOT NULL,
  version      integer     NOT NULL,
  record       json        NOT NULL,
  retain_until timestamptz NOT NULL,
  PRIMARY KEY (id, version)
);
CREATE INDEX IF NOT EXISTS ${index(names.changes, 'retain_until')} ON ${names.changes} (retain_until);

CREATE TABLE IF NOT EXISTS ${names.keys} (
  kind       text        NOT NULL CHECK (kind IN ('once', 'alias')),
  key        text        NOT NULL,
  value      text        NOT NULL,
  expires_at timestamptz NOT NULL,
  PRIMARY KEY (kind, key)
);
CREATE INDEX IF NOT EXISTS ${index(names.keys, 'expires_at')} ON ${names.keys} (expires_at);
`;
}

/** Anything that runs SQL: a `pg.Pool`, `pg.Client` or pool client. */
export interface PostgresQueryable {
  query(text: string): Promise<unknown>;
}

// Any constant shared by every process that may run the migration at once.
const SCHEMA_LOCK_KEY = 0x71726c67; // "qrlg"

/**
 * Creates the store's tables and indexes when they are missing; safe to run
 * on every start and from several instances at once (a transaction-level
 * advisory lock makes concurrent runs take turns, since `CREATE … IF NOT
 * EXISTS` alone can collide). Needs the right to create tables in the schema.
 */
export async function ensurePostgresQrLoginSchema(
  db: PostgresQueryable,
  options: PostgresQrLoginSchemaOptions = {},
): Promise<void> {
  const sql = postgresQrLoginSchemaSql(options);
  // A multi-statement query without BEGIN/COMMIT runs as one implicit transaction: the lock holds until the
  // last CREATE, and a failure rolls everything back without leaving the connection inside an open transaction.
  await db.query(`SELECT pg_advisory_xact_lock(${SCHEMA_LOCK_KEY});\n${sql}`);
}
