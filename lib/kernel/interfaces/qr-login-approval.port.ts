import type { QrCodeFlow, JsonObject } from './qr-code.interface';
import type { QrLoginRiskAssessment } from './qr-login-risk.port';

/*
 * The port through which a scan learns how its code must be approved, and a
 * confirm gets a passkey assertion checked. The kernel decides the rule (a
 * code whose record says passkey is confirmed only with an assertion that
 * verifies against the challenge the kernel derives from that record); the
 * layer behind the port does the WebAuthn work and keeps the credentials, so
 * the kernel holds no WebAuthn library.
 */

/** How the user who scanned approves: `token`, the phone's login token alone; `passkey`, a WebAuthn assertion too. */
export type QrLoginApprovalMethod = 'token' | 'passkey';

/** What the kernel knows when it asks for a scan's approval method. */
export interface QrLoginApprovalFacts {
  qrcodeId: string;
  flow: QrCodeFlow;
  /** The route family that created the code (`native`, `device`, `genauth`, `wechat`, …; see `QrCodeBinding.via`). */
  via: string;
  /** The scan's risk assessment, with the policy's `stepUp` when it asked for one. */
  risk: QrLoginRiskAssessment;
  /** The app user who scans, as the app's authentication produced it. */
  appUser: unknown;
  userId: string;
}

/** A passkey assertion to check: the challenge the kernel derived from the record, for the user who scanned. */
export interface QrLoginPasskeyCheck {
  challenge: string;
  userId: string;
  /** The WebAuthn assertion as the phone sent it (JSON, base64url fields); not trusted until checked. */
  assertion: JsonObject;
}

/** The approval layer as the kernel calls it. */
export interface QrLoginApprovalPort {
  /** The method this scan's code must be approved by (the `approval` option, a policy's step-up); the kernel records it. */
  methodFor(facts: QrLoginApprovalFacts): Promise<QrLoginApprovalMethod>;
  /**
   * Resolves when `check.assertion` is a fresh, user-verified assertion by one
   * of the user's passkeys over `check.challenge`; otherwise rejects with a
   * `QrLoginError` (`QR_PASSKEY_INVALID`, `QR_PASSKEY_REPLAYED`, `QR_PASSKEY_COUNTER`).
   */
  verifyPasskey(check: QrLoginPasskeyCheck): Promise<void>;
}

/** Injection token of the approval port (the module provides the passkey layer's). */
export const QR_LOGIN_APPROVAL = 'QR_LOGIN:APPROVAL';
