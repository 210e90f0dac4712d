import type { QrCodeAction, QrCodeFlow, QrRequesterInfo } from './qr-code.interface';

/** What happened to a code, for audit logs and metrics. */
export type QrLoginEventType =
  | 'created'
  | 'scanned'
  | 'authorized'
  | 'cancelled'
  | 'expired'
  | 'rotated'
  | 'redeemed'
  | 'refused'
  /** A plugin accepted a message from outside (e.g. a signed WeChat push), before it acted on any code. */
  | 'accepted';

/**
 * One lifecycle event, from `QrLoginService.events$`. Events are per process:
 * each instance reports what it did (and `expired` for codes it created).
 * They carry no secret: no ticket, no creator secret.
 */
export interface QrLoginEvent {
  type: QrLoginEventType;
  /** The code concerned; '' for a plugin's refusal that came before any code was known (a bad signature, say). */
  qrcodeId: string;
  /** When, ms since the epoch. */
  at: number;
  /** Who asked to log in (the creating browser). */
  requester?: QrRequesterInfo;
  /** The app user acting or confirmed, where known. */
  userId?: string;
  /**
   * For `refused`: the action refused and the error code answered. `PUSH` is
   * a plugin's inbound message (a WeChat push), also on `accepted`.
   */
  action?: QrCodeAction | 'REDEEM' | 'PUSH';
  code?: string;
  /** For plugin events: where the message came from, e.g. `wechat:<connection id>`. */
  source?: string;
  /** For `rotated`: the code that replaces this one. */
  replacedBy?: string;
  /** For events of a code's record (not `refused`): whether the code is a QR or a device flow. */
  flow?: QrCodeFlow;
  /** For events of a code's record: the route family that created it (its binding's `via`: `native`, `genauth`, `wechat`, `device`, …). */
  via?: string;
  /**
   * When the step this event ends began, ms since the epoch: creation for
   * `scanned`, the scan for `authorized`, the approval for `redeemed`. Taken
   * from the record, so it holds whichever instance did the earlier step.
   */
  stepStartedAt?: number;
}
