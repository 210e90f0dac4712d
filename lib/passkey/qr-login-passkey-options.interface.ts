import type { QrCodeFlow } from '../kernel/interfaces/qr-code.interface';
import type { QrLoginApprovalMethod } from '../kernel/interfaces/qr-login-approval.port';
import type { QrLoginRiskAssessment } from '../kernel/interfaces/qr-login-risk.port';
import type { QrLoginPasskeyStore } from '../kernel/interfaces/qr-login-passkey-store.interface';

/** What an `approval` function is told of a scanned code. */
export interface QrLoginApprovalCode {
  qrcodeId: string;
  flow: QrCodeFlow;
  /** The route family that created the code: `native`, `device`, `genauth`, `wechat`, … */
  via: string;
  risk: QrLoginRiskAssessment;
}

/**
 * How a scanned code is approved: `token` (default; the phone's login token
 * alone), `passkey` (a WebAuthn assertion by the user's registered passkey
 * too), or a function of the code and the app user deciding per scan. A
 * risk policy's `stepUp: 'passkey'` applies whatever this says. WeChat codes
 * (`via: 'wechat'`) are approved inside WeChat, where no passkey can sign:
 * the option and step-ups leave them to WeChat (the function is not asked).
 */
export type QrLoginApprovalOption =
  | QrLoginApprovalMethod
  | ((code: QrLoginApprovalCode, user: unknown) => QrLoginApprovalMethod | Promise<QrLoginApprovalMethod>);

/**
 * The relying party the phone's passkeys belong to, and where they are kept.
 * Needed by `approval: 'passkey'` (or a function or step-up that may answer
 * it) and by the registration routes; needs the optional peer `@simplewebauthn/server`.
 */
export interface QrLoginPasskeyOptions {
  /** The WebAuthn relying party id: the phone page's host name or a parent domain of it, e.g. `example.com`. */
  rpId: string;
  /** Origins the phone's pages run on, e.g. `https://app.example.com` (an Android app's `android:apk-key-hash:…` too). */
  origins: string | string[];
  /** Name the authenticator shows at registration. Default: the module's `appName`, else the `rpId`. */
  rpName?: string;
  /** Where credentials are kept. Default: in this process's memory (one instance; lost on restart). */
  store?: QrLoginPasskeyStore;
  /** How long the phone has for one WebAuthn ceremony, in seconds. Default 120. */
  timeoutSeconds?: number;
  /** The account name the authenticator shows. Default: the user's `username`, `email`, else its id. */
  userName?: (user: unknown) => string;
  /**
   * Whether this user may register a passkey now, with `registered` the
   * number they have. Default: only the first one, so a stolen phone token
   * cannot enrol a thief's own authenticator beside it. Better: allow it only
   * where the app knows the login is fresh (a password typed minutes ago), so
   * a token lifted before the first registration cannot enrol either.
   */
  mayRegister?: (user: unknown, registered: number) => boolean | Promise<boolean>;
}
