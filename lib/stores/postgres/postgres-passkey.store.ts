import type { Pool } from 'pg';
import { QrLoginConfigError, QrLoginStoreUnavailableError } from '../../kernel/qr-login.errors';
import type {
  QrLoginPasskeyCredential,
  QrLoginPasskeyStore,
} from '../../kernel/interfaces/qr-login-passkey-store.interface';

/** Options of `PostgresQrLoginPasskeyStore`. */
export interface PostgresQrLoginPasskeyStoreOptions {
  /** A ready `pg.Pool`, e.g. the one the app's `PostgresQrLoginStore` runs on; the store never ends it. */
  pool: Pick<Pool, 'query'>;
  /** Schema of the table; default: the connection's `search_path`. A lower-case SQL identifier. */
  schema?: string;
  /** Table name. Default `qr_login_passkeys`. A lower-case SQL identifier. */
  table?: string;
}

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

interface Row {
  id: string;
  user_id: string;
  public_key: string;
  counter: string | number;
  transports: string[] | null;
  created_at: string | number;
}

const credentialOf = (row: Row): QrLoginPasskeyCredential => ({
  id: row.id,
  userId: row.user_id,
  publicKey: row.public_key,
  counter: Number(row.counter),
  ...(row.transports ? { transports: row.transports } : {}),
  createdAt: Number(row.created_at),
});

/**
 * Passkeys in one PostgreSQL table, shared by every instance on the
 * database. `ensureSchema()` creates the table when missing (or run
 * `schemaSql()` in your migrations). The counter moves by a compare-and-set
 * `UPDATE`, so two instances cannot both accept one counter value.
 */
export class PostgresQrLoginPasskeyStore implements QrLoginPasskeyStore {
  private readonly pool: Pick<Pool, 'query'>;
  private readonly table: string;

  constructor(options: PostgresQrLoginPasskeyStoreOptions) {
    if (!options?.pool) throw new QrLoginConfigError('PostgresQrLoginPasskeyStore needs "pool": a ready pg.Pool.');
    const table = options.table ?? 'qr_login_passkeys';
    for (const [field, value] of [
      ['schema', options.schema],
      ['table', table],
    ] as const) {
      if (value !== undefined && !IDENTIFIER.test(value))
        throw new QrLoginConfigError(`PostgresQrLoginPasskeyStore "${field}" must be a lower-case SQL identifier.`);
    }
    this.pool = options.pool;
    this.table = options.schema ? `"${options.schema}"."${table}"` : `"${table}"`;
  }

  /** The DDL of the table and its user index, safe to run again. */
  schemaSql(): string {
    const index = `"${this.table.replace(/"/g, '').replace(/\./g, '_')}_user_id"`;
    return `CREATE TABLE IF NOT EXISTS ${this.table} (
  id text PRIMARY KEY,
  user_id text NOT NULL,
  public_key text NOT NULL,
  counter bigint NOT NULL,
  transports jsonb,
  created_at bigint NOT NULL
);
CREATE INDEX IF NOT EXISTS ${index} ON ${this.table} (user_id);`;
  }

  /** Creates the table when missing. */
  async ensureSchema(): Promise<void> {
    await this.query(this.schemaSql());
  }

  private async query(text: string, values?: unknown[]): Promise<Row[]> {
    try {
      const result = (await this.pool.query(text, values)) as unknown as { rows?: Row[] };
      return result.rows ?? [];
    } catch (error) {
      throw new QrLoginStoreUnavailableError(`PostgreSQL passkey store: ${(error as Error).message}`, { cause: error });
    }
  }

  async add(credential: QrLoginPasskeyCredential): Promise<boolean> {
    const rows = await this.query(
      `INSERT INTO ${this.table} (id, user_id, public_key, counter, transports, created_at)
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING RETURNING id`,
      [
        credential.id,
        credential.userId,
        credential.publicKey,
        credential.counter,
        credential.transports ? JSON.stringify(credential.transports) : null,
        credential.createdAt,
      ],
    );
    return rows.length === 1;
  }

  async listByUser(userId: string): Promise<QrLoginPasskeyCredential[]> {
    const rows = await this.query(`SELECT * FROM ${this.table} WHERE user_id = $1 ORDER BY created_at, id`, [userId]);
    return rows.map(credentialOf);
  }

  async get(id: string): Promise<QrLoginPasskeyCredential | null> {
    const [row] = await this.query(`SELECT * FROM ${this.table} WHERE id = $1`, [id]);
    return row ? credentialOf(row) : null;
  }

  async updateCounter(id: string, expected: number, counter: number): Promise<boolean> {
    const rows = await this.query(`UPDATE ${this.table} SET counter = $3 WHERE id = $1 AND counter = $2 RETURNING id`, [
      id,
      expected,
      counter,
    ]);
    return rows.length === 1;
  }

  async remove(id: string): Promise<boolean> {
    const rows = await this.query(`DELETE FROM ${this.table} WHERE id = $1 RETURNING id`, [id]);
    return rows.length === 1;
  }
}
