import { QR_LOGIN_AMR } from '../risk/qr-login-risk-options.interface';
import type { QrCodeRecord } from './interfaces/qr-code.interface';
import type { QrLoginContext } from './interfaces/qr-login-options.interface';

/**
 * What the hooks (`onAuthorized`, `loadUser`, `issueTokenSet`) learn of a
 * login, from a record that was scanned: who confirmed, the creator's JSON,
 * who asked, and what the scan's risk assessment found. No secret is in it.
 */
export function loginContextOf(record: QrCodeRecord): QrLoginContext {
  const scannedBy = record.scannedBy;
  if (!scannedBy) throw new Error(`QR code ${record.id} has no scanner, so it has no login context; this is a bug.`);
  return {
    qrcodeId: record.id,
    userId: scannedBy.userId,
    briefUserInfo: scannedBy.briefUserInfo,
    ...(record.customData ? { customData: record.customData } : {}),
    ...(record.context ? { context: record.context } : {}),
    requester: record.requester,
    amr: QR_LOGIN_AMR,
    ...(scannedBy.risk ? { risk: scannedBy.risk as QrLoginContext['risk'] } : {}),
  };
}
