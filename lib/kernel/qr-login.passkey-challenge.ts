import { createHash } from 'node:crypto';
import type { QrCodeRecord } from './interfaces/qr-code.interface';

/*
 * The challenge a phone's passkey signs to approve a code. It is derived, not
 * drawn: from the code's id, its record version when it was scanned, the
 * match number the page shows and a digest of what the phone was shown (the
 * requester facts of the scan answer). The server recomputes it from the
 * record at confirm, so an assertion made for another code, another number or
 * another description verifies for nothing else (dynamic linking). The app
 * client computes the same from the scan answer it displays.
 */

/** Tag of the challenge's canonical string; a new derivation gets a new tag. */
export const QR_LOGIN_PASSKEY_CHALLENGE_TAG = 'nestjs-qr-login/passkey-approval/1';

/** JSON with object keys sorted at every depth and `undefined` members left out, so both ends write the same bytes. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item ?? null)).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value as object)
      .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
      .sort();
    return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('base64url');

/** What the phone was shown at scan, as the challenge binds it: these fields of the scan answer. */
export interface QrLoginShownFacts {
  flow: string;
  client?: { id: string; name: string };
  requester: object;
  risk: object;
}

/** SHA-256 (base64url) of the canonical JSON of the shown facts. */
export function shownDigestOf(shown: QrLoginShownFacts): string {
  return sha256(
    canonicalJson({ flow: shown.flow, client: shown.client, requester: shown.requester, risk: shown.risk }),
  );
}

/** The challenge from its inputs: base64url SHA-256 of the tagged, newline-joined canonical string. */
export function passkeyChallengeFrom(input: {
  qrcodeId: string;
  version: number;
  matchCode?: string;
  shown: string;
}): string {
  return sha256(
    [QR_LOGIN_PASSKEY_CHALLENGE_TAG, input.qrcodeId, String(input.version), input.matchCode ?? '', input.shown].join(
      '\n',
    ),
  );
}

/** The challenge of a code whose record asks for a passkey, from the record alone; undefined for any other code. */
export function passkeyChallengeOf(record: QrCodeRecord): string | undefined {
  const approval = record.approval;
  if (approval?.method !== 'passkey') return undefined;
  return passkeyChallengeFrom({
    qrcodeId: record.id,
    version: approval.version,
    matchCode: record.match?.code,
    shown: approval.shown,
  });
}
