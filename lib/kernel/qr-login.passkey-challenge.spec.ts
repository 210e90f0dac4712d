import { describe, expect, it } from 'vitest';
import { decideConfirm } from './qr-login.rules';
import { QrLoginError } from './qr-login.errors';
import { canonicalJson, passkeyChallengeFrom, passkeyChallengeOf, shownDigestOf } from './qr-login.passkey-challenge';
import type { QrCodeRecord } from './interfaces/qr-code.interface';

const NOW = 1_800_000_000_000;
const TICKET = { value: 'ticket', ttlMs: 60_000 };
const SHOWN = shownDigestOf({
  flow: 'qr',
  requester: { ip: '203.0.113.9', appName: 'Shop' },
  risk: { verdict: 'allow' },
});

/** A code alice scanned, marked for a passkey at record version 1, with match number 47. */
function scannedForPasskey(): QrCodeRecord {
  return {
    id: 'code-1',
    type: 'MOBILE_APP',
    status: 'SCANNED',
    version: 2,
    createdAt: NOW - 1_000,
    expiresAt: NOW + 60_000,
    retainUntil: NOW + 65_000,
    creatorSecretHash: 'x',
    requester: { createdAt: new Date(NOW).toISOString() },
    scannedBy: { userId: 'u-alice', briefUserInfo: { displayName: 'Alice' }, scannedAt: NOW - 500 },
    match: { code: '47', choices: ['12', '47', '90'] },
    approval: { method: 'passkey', version: 1, shown: SHOWN },
  };
}

const codeOf = (run: () => unknown): string | undefined => {
  try {
    run();
    return undefined;
  } catch (error) {
    return error instanceof QrLoginError ? error.code : String(error);
  }
};

describe('the passkey challenge of a code', () => {
  it('is derived from the id, the version at scan, the match number and what was shown, each changing it', () => {
    const base = { qrcodeId: 'code-1', version: 1, matchCode: '47', shown: SHOWN };
    const challenge = passkeyChallengeFrom(base);
    expect(challenge).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(passkeyChallengeOf(scannedForPasskey())).toBe(challenge);
    for (const other of [
      { ...base, qrcodeId: 'code-2' },
      { ...base, version: 2 },
      { ...base, matchCode: '12' },
      { ...base, shown: shownDigestOf({ flow: 'qr', requester: { appName: 'Bank' }, risk: { verdict: 'allow' } }) },
    ]) {
      expect(passkeyChallengeFrom(other)).not.toBe(challenge);
    }
  });

  it('hashes what was shown in one canonical form, whatever the key order, without undefined members', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, 'x'], c: undefined } })).toBe('{"a":{"d":[1,"x"]},"b":1}');
    expect(shownDigestOf({ flow: 'qr', requester: { b: 1, a: 2 }, risk: {} })).toBe(
      shownDigestOf({ flow: 'qr', client: undefined, requester: { a: 2, b: 1 }, risk: {} }),
    );
  });

  it('is the digest docs/passkeys.md describes: tag, id, version, number and shown digest, one per line', () => {
    // A phone built from the docs signs these bytes; the derivation changes only with a new tag.
    const input = { qrcodeId: 'code-1', version: 1, shown: 'shown-digest' };
    expect(passkeyChallengeFrom({ ...input, matchCode: '47' })).toBe('R81NMdgR2ERGJ1KSnfOLB6XvAdaH4pPLI1Si42izH9A');
    expect(passkeyChallengeFrom(input)).toBe('nXgFNWETcvGRYSccr-T-4c6JsSWED_IKVYzgjzkr6go');
  });

  it('keeps its parts apart: an id ending in a digit never runs into the version', () => {
    expect(passkeyChallengeFrom({ qrcodeId: 'code-1', version: 11, shown: SHOWN })).not.toBe(
      passkeyChallengeFrom({ qrcodeId: 'code-11', version: 1, shown: SHOWN }),
    );
  });

  it('is derived with no number for a passkey code without number matching', () => {
    const { match: _none, ...unmatched } = scannedForPasskey();
    expect(passkeyChallengeOf(unmatched)).toBe(passkeyChallengeFrom({ qrcodeId: 'code-1', version: 1, shown: SHOWN }));
  });

  it('writes null, and undefined items of arrays, as JSON null', () => {
    expect(canonicalJson({ a: null, b: [undefined, null, 'x'] })).toBe('{"a":null,"b":[null,null,"x"]}');
    expect(canonicalJson(null)).toBe('null');
  });

  it('is none for a code approved by token', () => {
    const { approval: _none, ...tokenCode } = scannedForPasskey();
    expect(passkeyChallengeOf(tokenCode)).toBeUndefined();
  });
});

describe('CONFIRM of a code marked for a passkey', () => {
  const actor = { userId: 'u-alice', matchCode: '47' };

  it('is refused without a verified assertion, and the code stays as it was', () => {
    expect(codeOf(() => decideConfirm(scannedForPasskey(), actor, TICKET, NOW))).toBe('QR_PASSKEY_REQUIRED');
  });

  it('is refused over any challenge but the one derived from the record', () => {
    const other = passkeyChallengeFrom({ qrcodeId: 'code-2', version: 1, matchCode: '47', shown: SHOWN });
    expect(codeOf(() => decideConfirm(scannedForPasskey(), { ...actor, passkeyChallenge: other }, TICKET, NOW))).toBe(
      'QR_PASSKEY_INVALID',
    );
  });

  it('authorizes over its own challenge; a wrong number still cancels the code first', () => {
    const record = scannedForPasskey();
    const passkeyChallenge = passkeyChallengeOf(record)!;
    expect(decideConfirm(record, { ...actor, passkeyChallenge }, TICKET, NOW).record.status).toBe('AUTHORIZED');
    const wrong = decideConfirm(record, { ...actor, matchCode: '12', passkeyChallenge }, TICKET, NOW);
    expect(wrong).toMatchObject({ mismatch: true, record: { status: 'CANCELLED', cancelReason: 'MATCH_FAILED' } });
  });
});
