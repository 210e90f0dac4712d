import { createHash } from 'node:crypto';
import type { QrLoginEvent, QrLoginStore } from '../plugin';

/** Attribute names, after OpenTelemetry's conventions where one exists (`error.type`). */
export const QR_LOGIN_ATTRIBUTES = {
  /** `qr`, `device`, or the plugin that made the code (`genauth`, `wechat`); `unknown` when this process never saw the code. */
  flow: 'qr_login.flow',
  /** The store kind: `memory`, `redis`, `postgres`, or the name given in the options. */
  store: 'qr_login.store',
  /** For transitions: the event (`scanned`, `authorized`, `cancelled`, `expired`, `rotated`, `redeemed`). */
  transition: 'qr_login.transition',
  /** For refusals: the action refused (`SCAN`, `CONFIRM`, `CANCEL`, `REDEEM`, `PUSH`). */
  action: 'qr_login.action',
  /** The stable error code of a refusal, or why a code was cancelled (`QR_MATCH_FAILED`, …). */
  errorType: 'error.type',
  /** On spans only: the first 16 hex digits of the SHA-256 of the code id (never the id itself). */
  codeHash: 'qr_login.code.hash',
  /** On store spans: the database, per OpenTelemetry's database conventions (`redis`, `postgresql`); absent for memory and custom stores. */
  dbSystem: 'db.system.name',
  /** On store spans: the store method called (`get`, `compareAndSet`, …); one call may send several commands. */
  dbOperation: 'db.operation.name',
  /** On stream spans: the terminal status the stream ended on; absent when the reader left first. */
  streamEndStatus: 'qr_login.stream.end_status',
} as const;

/** The `db.system.name` of a store, or undefined for one that is no database client (memory, custom). */
export function dbSystemOf(store: QrLoginStore): string | undefined {
  const kind = storeKindOf(store);
  if (kind === 'redis') return 'redis';
  return kind === 'postgres' ? 'postgresql' : undefined;
}

/** Flow names a record's binding may give besides `qr` and `device`; any other `via` counts as its code's flow. */
const NATIVE_VIAS: ReadonlySet<string> = new Set(['native', 'device']);

/**
 * The `qr_login.flow` value of an event of a code's record: `device` for a
 * device flow, the plugin's name (`genauth`, `wechat`) for a code a plugin
 * made, else `qr`. Undefined for events that carry no record (refusals).
 * @internal
 */
export function flowOf(event: QrLoginEvent): string | undefined {
  if (event.flow === 'device') return 'device';
  if (event.via !== undefined && !NATIVE_VIAS.has(event.via)) return event.via;
  return event.flow;
}

/**
 * The `qr_login.store` value of a store: its class name without
 * `QrLoginStore`, in lower case (`MemoryQrLoginStore` → `memory`), or `custom`.
 * @internal
 */
export function storeKindOf(store: QrLoginStore): string {
  const name = (store as object).constructor?.name ?? '';
  const match = /^(\w+?)QrLoginStore$/.exec(name);
  return match ? match[1].toLowerCase() : 'custom';
}

/**
 * A code id as telemetry may carry it: the first 16 hex digits of its
 * SHA-256. Enough to follow one code through a trace, useless to act on it
 * (the id alone lets anyone scan a QR).
 */
export function hashOfCodeId(id: string): string {
  return createHash('sha256').update(id).digest('hex').slice(0, 16);
}
