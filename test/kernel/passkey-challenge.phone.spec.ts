import { afterEach, describe, expect, it } from 'vitest';
import { passkeyChallengeFor, type QrLoginScanAnswer } from '../../client/app/index.mjs';
import {
  passkeyChallengeFrom,
  passkeyChallengeOf,
  shownDigestOf,
  type QrLoginShownFacts,
} from '../../lib/kernel/qr-login.passkey-challenge';
import type { QrLoginApprovalPort } from '../../lib/kernel/interfaces/qr-login-approval.port';
import { kernelOnClock, type KernelOnClock } from '../support/kernel-parts';

/*
 * The challenge a passkey signs is derived twice: by the server from the
 * code's record, and by the phone (the app client, with WebCrypto) from the
 * scan answer it shows. The two are written apart, so they are compared
 * here: over real scans through the kernel, and over shown facts of every
 * JSON shape the canonical form has to agree on.
 */

const alice = { id: 'u-alice', name: 'Alice' };
/** The passkey layer's answer for every scan: approve with a passkey. */
const PASSKEY_FOR_ALL: QrLoginApprovalPort = {
  methodFor: async () => 'passkey',
  verifyPasskey: async () => undefined,
};

const opened: KernelOnClock[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((kernel) => kernel.close()));
});

/** A scan answer as the phone reads it, for shown facts written into a record by hand. */
function answerShowing(shown: QrLoginShownFacts, qrcodeId = 'code-1', version = 3): QrLoginScanAnswer {
  return {
    qrcodeId,
    status: 'SCANNED',
    expiresIn: 60,
    ...shown,
    approval: { method: 'passkey', version },
  } as unknown as QrLoginScanAnswer;
}

describe('the passkey challenge, derived by the server and by the phone', () => {
  it.each([
    ['with number matching', { numberMatching: { digits: 2, choices: 3 } }],
    ['without number matching', {}],
  ])('agrees over a real scan %s', async (_how, options) => {
    const k = kernelOnClock({ appName: 'Shop — Café', ...options }, { approval: PASSKEY_FOR_ALL });
    opened.push(k);
    const created = await k.issuer.create({}, { ip: '203.0.113.7', userAgent: 'Mozilla/5.0 (iPhone)' });
    const answer = (await k.actions.scan(created.qrcodeId, alice, { ip: '198.51.100.4' })) as QrLoginScanAnswer;
    expect(answer.approval).toMatchObject({ method: 'passkey' });
    const record = (await k.store.get(created.qrcodeId))!;
    const server = passkeyChallengeOf(record);
    expect(server).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await passkeyChallengeFor(answer, created.matchCode)).toBe(server);
  });

  it.each<[string, QrLoginShownFacts]>([
    ['a client', { flow: 'device', client: { id: 'tv', name: 'Living room' }, requester: {}, risk: {} }],
    ['nulls, booleans and numbers', { flow: 'qr', requester: { ip: null, known: false, n: -1.5 }, risk: { x: 0 } }],
    ['arrays with undefined and null items', { flow: 'qr', requester: { list: [1, undefined, null, 'a'] }, risk: [] }],
    ['nested objects with undefined members', { flow: 'qr', requester: { b: { d: undefined, c: [{}] } }, risk: {} }],
    ['keys out of order and unicode', { flow: 'qr', requester: { é: 'ü', a: '"\\\n' }, risk: { z: 1, A: 2 } }],
    ['strings that look like numbers or keys', { flow: 'qr', requester: { 0: '0', '1': 1 }, risk: { '{}': '[]' } }],
  ])('agrees over shown facts with %s', async (_what, shown) => {
    for (const matchCode of ['47', undefined]) {
      const server = passkeyChallengeFrom({ qrcodeId: 'code-1', version: 3, matchCode, shown: shownDigestOf(shown) });
      expect(await passkeyChallengeFor(answerShowing(shown), matchCode)).toBe(server);
    }
  });
});
