import { describe, expect, it } from 'vitest';
import { contextOf } from '../../lib/kernel/qr-login.redeemer';
import { decidePoll, decideRedeem } from '../../lib/kernel/qr-login.rules';
import { hashSecret } from '../../lib/kernel/qr-login.ids';
import { mayRedeem, seesAll, viewOf } from '../../lib/kernel/qr-login.visibility';
import type { QrCodeProof, QrCodeRecord } from '../../lib/kernel/interfaces/qr-code.interface';
import { newRecord } from '../../lib/testing';

/*
 * The kernel's rule for key-bound codes, as plain functions of the record:
 * a verified thumbprint of the record's key is the creator's proof, the
 * secret never is for such a code, and a code without a key keeps the secret.
 */

const SECRET = 'creator-secret';
const JKT = 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs';
const OTHER = 'oKIywvGUpTVTyxMQ3bwIIeQUudfr_CkLMjCE19ECD-U';
const NOW = 1_900_000_000_000;

function authorized(creatorKey?: { jkt: string }): QrCodeRecord {
  return newRecord({
    status: 'AUTHORIZED',
    createdAt: NOW - 1_000,
    expiresAt: NOW + 60_000,
    creatorSecretHash: hashSecret(SECRET),
    binding: { reveal: 'creator', redeem: 'creator', via: 'native' },
    scannedBy: { userId: 'u-alice', briefUserInfo: { displayName: 'Alice' }, scannedAt: NOW - 500 },
    ticket: { value: 'ticket', expiresAt: NOW + 60_000 },
    ...(creatorKey ? { creatorKey } : {}),
  });
}

const bySecret: QrCodeProof = { creatorSecrets: [SECRET] };
const byKey: QrCodeProof = { dpopJkt: JKT };
const byOtherKey: QrCodeProof = { creatorSecrets: [SECRET], dpopJkt: OTHER };

describe('key-bound codes', () => {
  it('count only a proof by the record key as the creator, never the secret', () => {
    const record = authorized({ jkt: JKT });
    expect([seesAll(record, byKey), mayRedeem(record, byKey)]).toEqual([true, true]);
    for (const proof of [bySecret, byOtherKey, undefined]) {
      expect([seesAll(record, proof), mayRedeem(record, proof)]).toEqual([false, false]);
      expect(viewOf(record, proof, NOW).ticket).toBeUndefined();
    }
    expect(viewOf(record, { ...bySecret, ...byKey }, NOW).ticket).toBe('ticket');
  });

  it('refuse a redemption with the secret alone as QR_DPOP_PROOF_REQUIRED, by another key as QR_DPOP_KEY_MISMATCH', () => {
    const record = authorized({ jkt: JKT });
    expect(() => decideRedeem(record, 'ticket', bySecret, NOW)).toThrow(
      expect.objectContaining({ code: 'QR_DPOP_PROOF_REQUIRED' }),
    );
    expect(() => decideRedeem(record, 'ticket', byOtherKey, NOW)).toThrow(
      expect.objectContaining({ code: 'QR_DPOP_KEY_MISMATCH' }),
    );
    const pace = { intervalMs: 5_000, slowDownMs: 5_000 };
    expect(() => decidePoll(record, bySecret, pace, NOW)).toThrow(
      expect.objectContaining({ code: 'QR_DPOP_PROOF_REQUIRED' }),
    );
    expect(decideRedeem(record, 'ticket', byKey, NOW).ticket?.redeemedAt).toBe(NOW);
  });

  it('tell the hooks the key, and keep a code without one on its secret', () => {
    expect(contextOf(authorized({ jkt: JKT })).dpop).toEqual({ jkt: JKT });
    const plain = authorized();
    expect(contextOf(plain).dpop).toBeUndefined();
    expect(mayRedeem(plain, bySecret)).toBe(true);
    // A thumbprint proves nothing for a code bound to a secret.
    expect(mayRedeem(plain, byKey)).toBe(false);
    expect(() => decideRedeem(plain, 'ticket', byKey, NOW)).toThrow(
      expect.objectContaining({ code: 'QR_CREATOR_SECRET_REQUIRED' }),
    );
  });
});
