import { qrErrors } from './qr-login.errors';
import { bindingOf } from './qr-login.visibility';
import { formatUserCode } from './user-code.format';
import type { QrCodeEntry, QrCodeRecord } from './interfaces/qr-code.interface';

/*
 * How a phone reaches a code, and what it owes before it confirms. A device
 * flow's code is approved by its user code only (its id would let a link
 * approve it), and a phone sent a link must pick the device's code from
 * several, as a QR's phone picks the match number: both are decided here
 * from the record and the route the phone came by, never from the phone's word.
 */

/**
 * How a phone names a code for an action: by its id, or by its user code
 * (and then how that code came to the phone). Decided from the request the
 * phone made (which route, which field), never from the code.
 * @internal
 */
export type PhoneReach = { by: 'id' } | { by: 'user-code'; entry?: QrCodeEntry };

/** The reach of a phone that named the code by its id: the QR, GenAuth's and WeChat's routes. @internal */
export const BY_ID: PhoneReach = { by: 'id' };

/**
 * Refuses a phone action that named a code by its id when the code's binding
 * wants its user code (a device flow): that id must never be what a phone
 * approves by, so a link holding it leads nowhere.
 * @internal
 */
export function assertReach(record: QrCodeRecord, reach: PhoneReach): void {
  if (bindingOf(record).scan === 'user-code' && reach.by !== 'user-code') throw qrErrors.userCodeRequired();
}

/**
 * What a phone must pick before it confirms, given how it reached the code:
 * the match number's choices for a QR with number matching; for a device
 * flow whose user code came by a link, user codes to pick the device's own
 * from; nothing for a device flow whose code was typed (the person read it
 * off the device's screen, which is what a pick would prove).
 * @internal
 */
export function matchOf(record: QrCodeRecord): { kind: 'number' | 'user-code'; choices: string[] } | undefined {
  if (record.match) return { kind: 'number', choices: record.match.choices };
  if (record.userCodeChoices && record.scannedBy?.entry !== 'typed')
    return { kind: 'user-code', choices: record.userCodeChoices.map(formatUserCode) };
  return undefined;
}
