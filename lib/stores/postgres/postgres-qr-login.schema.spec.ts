import { describe, expect, it } from 'vitest';
import { QrLoginConfigError } from '../../kernel/qr-login.errors';
import { postgresQrLoginNames, postgresQrLoginSchemaSql } from './postgres-qr-login.schema';

/*
 * The names the store derives from `schema` and `tablePrefix`, the checks on
 * them, and the migration script. Whether the script runs, and runs twice,
 * is postgres-qr-login.store.spec.ts's part (on a real server).
 */

describe('postgresQrLoginNames', () => {
  it('derives quoted tables and the channel, with and without a schema', () => {
    expect(postgresQrLoginNames()).toEqual({
      codes: '"qr_login_codes"',
      changes: '"qr_login_code_changes"',
      keys: '"qr_login_keys"',
      channel: 'qr_login_changes',
      channelIdentifier: '"qr_login_changes"',
    });
    expect(postgresQrLoginNames({ schema: 'auth', tablePrefix: 'shop' })).toEqual({
      codes: '"auth"."shop_codes"',
      changes: '"auth"."shop_code_changes"',
      keys: '"auth"."shop_keys"',
      channel: 'auth.shop_changes',
      channelIdentifier: '"auth.shop_changes"',
    });
  });

  it('refuses a prefix or schema that is no plain lower-case identifier, saying what it got', () => {
    const prefix = (got: string) =>
      new QrLoginConfigError(
        `PostgresQrLoginStore "tablePrefix" must be a lower-case SQL identifier (letters, digits, "_"; not starting with a digit); got ${got}.`,
      );
    const schema = (got: string) =>
      new QrLoginConfigError(
        `PostgresQrLoginStore "schema" must be a lower-case SQL identifier (letters, digits, "_"); got ${got}. Leave it out to use the search_path.`,
      );
    expect(() => postgresQrLoginNames({ tablePrefix: 'qr-login' })).toThrow(prefix('"qr-login"'));
    // Not a string, even one whose text would pass.
    expect(() => postgresQrLoginNames({ tablePrefix: ['shop'] as never })).toThrow(prefix('["shop"]'));
    for (const bad of ['', '1shop', 'Shop', 'shop x', 'x shop', 'shop;'])
      expect(() => postgresQrLoginNames({ tablePrefix: bad }), bad).toThrow(prefix(JSON.stringify(bad)));
    expect(() => postgresQrLoginNames({ schema: 'Auth' })).toThrow(schema('"Auth"'));
    expect(() => postgresQrLoginNames({ schema: ['auth'] as never })).toThrow(schema('["auth"]'));
    for (const bad of ['', '9auth', 'auth x', 'x auth'])
      expect(() => postgresQrLoginNames({ schema: bad }), bad).toThrow(schema(JSON.stringify(bad)));
    expect(postgresQrLoginNames({ tablePrefix: '_a9', schema: '_s0' }).codes).toBe('"_s0"."_a9_codes"');
  });

  it('refuses names PostgreSQL would cut at 63 bytes: the longest index name and the channel', () => {
    const tooLong = new QrLoginConfigError(
      'PostgresQrLoginStore "tablePrefix" and "schema" are too long: names derived from them must fit PostgreSQL\'s 63 bytes; use a shorter prefix.',
    );
    // "<prefix>_code_changes_retain_until" is the longest name a prefix makes: 26 bytes more.
    expect(postgresQrLoginNames({ tablePrefix: 'p'.repeat(37) }).codes).toBe(`"${'p'.repeat(37)}_codes"`);
    expect(() => postgresQrLoginNames({ tablePrefix: 'p'.repeat(38) })).toThrow(tooLong);
    // The channel "<schema>.<prefix>_changes" with a one-letter prefix: 10 bytes more than the schema.
    expect(postgresQrLoginNames({ schema: 's'.repeat(53), tablePrefix: 'p' }).channel).toBe(
      `${'s'.repeat(53)}.p_changes`,
    );
    expect(() => postgresQrLoginNames({ schema: 's'.repeat(54), tablePrefix: 'p' })).toThrow(tooLong);
  });
});

describe('postgresQrLoginSchemaSql', () => {
  it('creates the three tables and their expiry indexes, named after the tables without the schema', () => {
    expect(postgresQrLoginSchemaSql({ schema: 'auth', tablePrefix: 'shop' }))
      .toBe(`CREATE TABLE IF NOT EXISTS "auth"."shop_codes" (
  id           text        PRIMARY KEY,
  version      integer     NOT NULL,
  record       json        NOT NULL,
  retain_until timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS "shop_codes_retain_until" ON "auth"."shop_codes" (retain_until);

CREATE TABLE IF NOT EXISTS "auth"."shop_code_changes" (
  id           text        NOT NULL,
  version      integer     NOT NULL,
  record       json        NOT NULL,
  retain_until timestamptz NOT NULL,
  PRIMARY KEY (id, version)
);
CREATE INDEX IF NOT EXISTS "shop_code_changes_retain_until" ON "auth"."shop_code_changes" (retain_until);

CREATE TABLE IF NOT EXISTS "auth"."shop_keys" (
  kind       text        NOT NULL CHECK (kind IN ('once', 'alias')),
  key        text        NOT NULL,
  value      text        NOT NULL,
  expires_at timestamptz NOT NULL,
  PRIMARY KEY (kind, key)
);
CREATE INDEX IF NOT EXISTS "shop_keys_expires_at" ON "auth"."shop_keys" (expires_at);
`);
    expect(postgresQrLoginSchemaSql()).toContain(
      'CREATE INDEX IF NOT EXISTS "qr_login_keys_expires_at" ON "qr_login_keys" (expires_at);',
    );
    expect(() => postgresQrLoginSchemaSql({ tablePrefix: 'Bad' })).toThrow(QrLoginConfigError);
  });
});
