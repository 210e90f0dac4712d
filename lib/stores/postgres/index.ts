// The `nestjs-qr-login/postgres` entry: the only place whose types mention `pg`, an optional peer.
export { POSTGRES_QR_LOGIN_LISTENER_NAME } from './postgres-listener';
export { PostgresQrLoginStore, type PostgresQrLoginStoreOptions } from './postgres-qr-login.store';
export {
  ensurePostgresQrLoginSchema,
  postgresQrLoginNames,
  postgresQrLoginSchemaSql,
  type PostgresQrLoginNames,
  type PostgresQueryable,
  type PostgresQrLoginSchemaOptions,
} from './postgres-qr-login.schema';
export { PostgresQrLoginPasskeyStore, type PostgresQrLoginPasskeyStoreOptions } from './postgres-passkey.store';
