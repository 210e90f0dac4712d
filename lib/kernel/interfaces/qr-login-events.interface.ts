import type { QrCodeAction, QrRequesterInfo } from './qr-code.interface';

/** What happened to a code, for audit logs and metrics. */
export type QrLoginEventType =
  | 'created'
  | 'scanned'
  | 'authorized'
  | 'cancelled'
  | 'expired'
  | 'rotated'
  | 'redeemed'
  | 'refused';

/**
 * One lifecycle event, from `QrLoginService.events$`. Events are per process:
 * each instance reports what it did (and `expired` for codes it created).
 * They carry no secret: no ticket, no creator secret.
 */
export interface QrLoginEvent {
  type: QrLoginEventType;
  qrcodeId: string;
  /** When, ms since the epoch. */
  at: number;
  /** Who asked to log in (the creating browser). */
  requester?: QrRequesterInfo;
  /** The app user acting or confirmed, where known. */
  userId?: string;
  /** For `refused`: the action refused and the error code answered. */
  action?: QrCodeAction | 'REDEEM';
  code?: string;
  /** For `rotated`: the code that replaces this one. */
  replacedBy?: string;
}
