import type { QrLoginStore } from './qr-login-store.interface';

/*
 * The port that tracing plugs into. The kernel knows no tracer: it hands each
 * action, each status stream and its store to this port and carries on. The
 * module's default does nothing and allocates nothing, so an app without
 * telemetry pays a function call per action; `nestjs-qr-login/telemetry`
 * implements it with OpenTelemetry spans.
 */

/** The kernel actions the port is told about: the span names of `nestjs-qr-login/telemetry` are `qr_login.<action>`. */
export type QrLoginInstrumentedAction = 'create' | 'scan' | 'confirm' | 'cancel' | 'redeem' | 'poll';

/**
 * Ends the measure of one status stream. `status` is the terminal status the
 * stream ended on (absent when the reader left first); `code` the stable
 * error code of an `ERROR` status.
 */
export type QrLoginStreamEnd = (status?: string, code?: string) => void;

export interface QrLoginInstrumentation {
  /**
   * Runs `action` (it starts when `fn` is called and ends when its promise
   * settles; a rejection is the action's refusal). `qrcodeId` is the code
   * acted on when the kernel knows it up front (undefined for a create, a
   * redemption or an action by user code); an implementation must not record
   * it as given, only something that cannot be acted on (a hash).
   */
  run<T>(action: QrLoginInstrumentedAction, qrcodeId: string | undefined, fn: () => Promise<T>): Promise<T>;
  /** A status stream of `qrcodeId` opens now; the function returned is called once, when it closes. */
  openStream(qrcodeId: string): QrLoginStreamEnd;
  /**
   * The store the kernel should call: `store` itself, or one that measures
   * each call and forwards it. Called once, when the kernel is wired; the
   * store returned must keep `store`'s optional methods present or absent as they are.
   */
  wrapStore(store: QrLoginStore): QrLoginStore;
}

/** Injection token a plugin (the telemetry module) provides the kernel's `QrLoginInstrumentation` under, globally. */
export const QR_LOGIN_INSTRUMENTATION = 'QR_LOGIN:INSTRUMENTATION';

const endNothing: QrLoginStreamEnd = () => undefined;

/** The default when no plugin provides one: measures nothing, wraps nothing, allocates nothing. */
export const QR_LOGIN_NO_INSTRUMENTATION: QrLoginInstrumentation = {
  run: (_action, _qrcodeId, fn) => fn(),
  openStream: () => endNothing,
  wrapStore: (store) => store,
};
