import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newDpopKey, type DpopKey } from '../../../test/support/dpop';
import { pluginKernel, RecordingMemoryStore, type PluginKernel } from '../../../test/support/plugin-kernel';
import { QrLoginDpopVerifier, QrLoginStoreFullError, QrLoginStoreUnavailableError } from '../../plugin';
import { deviceDpopKey, verifyDeviceDpop } from './device-dpop';
import { QrLoginDeviceGrantException } from './device.errors';
import type { DeviceGrantRequest } from './device-grant.service';

/*
 * DPoP for the device grant with the kernel's real verifier, on real ES256
 * proofs: which key a device authorization binds its flow to (the proof's,
 * the dpop_jkt parameter's, both when they agree, or none), and every
 * refusal told apart by its OAuth error and description.
 */

const URL_ = 'https://login.example/qr-login/device_authorization';

let k: PluginKernel;
let verifier: QrLoginDpopVerifier;
let key: DpopKey;
let other: DpopKey;

beforeAll(async () => {
  k = await pluginKernel();
  verifier = k.moduleRef.get(QrLoginDpopVerifier);
  [key, other] = [await newDpopKey(), await newDpopKey()];
});
afterAll(() => k.close());

const proofBy = (signer: DpopKey, method = 'POST', url = URL_) => signer.proof(method, url, { at: k.clock.now() });

function request(body: Record<string, unknown>, dpop?: { proof: string; htu: string | undefined }): DeviceGrantRequest {
  return { raw: {}, body, origin: 'https://login.example', ...(dpop ? { dpop } : {}) };
}

/** A refusal as `status error: description`. */
async function refusal(run: Promise<unknown>): Promise<string> {
  const error = await run.then(
    () => new Error('answered'),
    (e: unknown) => e,
  );
  if (!(error instanceof QrLoginDeviceGrantException)) throw error;
  return `${error.getStatus()} ${error.code}: ${error.message}`;
}

describe('verifyDeviceDpop', () => {
  it("answers the thumbprint of the proof's key, for a POST to the request's URL", async () => {
    const verified = await verifyDeviceDpop(verifier, request({}, { proof: await proofBy(key), htu: URL_ }));
    expect(verified.jkt).toBe(key.jkt);
  });

  it("refuses a proof for another method or URL, or none, as invalid_dpop_proof with the verifier's code", async () => {
    expect(
      await refusal(verifyDeviceDpop(verifier, request({}, { proof: await proofBy(key, 'GET'), htu: URL_ }))),
    ).toBe(
      '400 invalid_dpop_proof: QR_DPOP_METHOD_MISMATCH: The DPoP proof\'s "htm" must be this request\'s method, POST.',
    );
    expect(
      await refusal(
        verifyDeviceDpop(verifier, request({}, { proof: await proofBy(key, 'POST', `${URL_}x`), htu: URL_ })),
      ),
    ).toMatch(/^400 invalid_dpop_proof: QR_DPOP_URL_MISMATCH: /);
    expect(await refusal(verifyDeviceDpop(verifier, request({})))).toBe(
      '400 invalid_dpop_proof: QR_DPOP_INVALID: Send exactly one DPoP proof: a compact JWS (RFC 9449 §4.2).',
    );
  });

  /** What verifying a good proof ends in when the store throws `failure` as it records the proof's jti. */
  async function verifiedOverFailingStore(failure: Error): Promise<unknown> {
    const store = new (class extends RecordingMemoryStore {
      override async rememberOnce(): Promise<boolean> {
        throw failure;
      }
    })();
    const own = await pluginKernel({ store });
    try {
      const proof = await key.proof('POST', URL_, { at: own.clock.now() });
      return await verifyDeviceDpop(own.moduleRef.get(QrLoginDpopVerifier), request({}, { proof, htu: URL_ })).then(
        () => 'verified',
        (error: unknown) => error,
      );
    } finally {
      await own.close();
    }
  }

  it('answers a store that fails while it records the proof as temporarily_unavailable, not as a bad proof', async () => {
    const cases: [Error, number][] = [
      [new QrLoginStoreUnavailableError('the replay log is down'), 5],
      [new QrLoginStoreFullError('the replay log is full', 12_500), 13],
    ];
    for (const [failure, retryAfter] of cases) {
      const error = (await verifiedOverFailingStore(failure)) as QrLoginDeviceGrantException;
      expect(error).toBeInstanceOf(QrLoginDeviceGrantException);
      expect([error.getStatus(), error.code, error.retryAfterSeconds]).toEqual([
        503,
        'temporarily_unavailable',
        retryAfter,
      ]);
    }
  });

  it('lets a failure that is no refusal through unchanged', async () => {
    // The store breaks while it records the proof's jti (not as an unreachable store, which the kernel refuses itself).
    const broken = new Error('the replay log is corrupt');
    expect(await verifiedOverFailingStore(broken)).toBe(broken);
  });
});

describe('deviceDpopKey', () => {
  it('binds to no key when the device names none', async () => {
    expect(await deviceDpopKey(verifier, request({ client_id: 'tv' }))).toBeUndefined();
    expect(await deviceDpopKey(verifier, request({ client_id: 'tv', dpop_jkt: '' }))).toBeUndefined();
  });

  it('binds to the key dpop_jkt names, without a proof', async () => {
    expect(await deviceDpopKey(verifier, request({ dpop_jkt: key.jkt }))).toStrictEqual({ jkt: key.jkt });
  });

  it("binds to the proof's key, alone or agreeing with dpop_jkt", async () => {
    expect(await deviceDpopKey(verifier, request({}, { proof: await proofBy(key), htu: URL_ }))).toStrictEqual({
      jkt: key.jkt,
    });
    expect(
      await deviceDpopKey(verifier, request({ dpop_jkt: key.jkt }, { proof: await proofBy(key), htu: URL_ })),
    ).toStrictEqual({ jkt: key.jkt });
  });

  it('refuses a dpop_jkt naming another key than the proof', async () => {
    expect(
      await refusal(
        deviceDpopKey(verifier, request({ dpop_jkt: other.jkt }, { proof: await proofBy(key), htu: URL_ })),
      ),
    ).toBe('400 invalid_dpop_proof: "dpop_jkt" names another key than the one that signed the DPoP proof.');
  });

  it('refuses a bad proof even with a good dpop_jkt', async () => {
    expect(
      await refusal(deviceDpopKey(verifier, request({ dpop_jkt: key.jkt }, { proof: 'not.a.jws', htu: URL_ }))),
    ).toMatch(/^400 invalid_dpop_proof: QR_DPOP_INVALID: /);
  });

  it('refuses a dpop_jkt that cannot be a SHA-256 thumbprint, before any proof is read', async () => {
    const malformed = '400 invalid_request: "dpop_jkt" must be the RFC 7638 SHA-256 thumbprint of a key, base64url.';
    for (const jkt of [key.jkt.slice(1), `${key.jkt}A`, `${key.jkt.slice(1)}=`, `+${key.jkt.slice(1)}`]) {
      expect(await refusal(deviceDpopKey(verifier, request({ dpop_jkt: jkt })))).toBe(malformed);
      expect(
        await refusal(deviceDpopKey(verifier, request({ dpop_jkt: jkt }, { proof: await proofBy(key), htu: URL_ }))),
      ).toBe(malformed);
    }
    expect(await refusal(deviceDpopKey(verifier, request({ dpop_jkt: [key.jkt, key.jkt] })))).toBe(
      '400 invalid_request: "dpop_jkt" must be sent once, as text (application/x-www-form-urlencoded).',
    );
  });
});
