import { createHash } from 'node:crypto';
import { SignJWT, calculateJwkThumbprint, exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../test/support/manual-clock';
import type { ResolvedQrLoginConfig } from '../../kernel/qr-login.config';
import type { QrLoginService } from '../../kernel/qr-login.service';
import { MemoryQrLoginStore } from '../../stores/memory-qr-login.store';
import { QrLoginDpopVerifier } from './qr-login-dpop.verifier';

/*
 * Every check of a DPoP proof (RFC 9449 §4.3) on real ES256 proofs made with
 * jose, against a manual clock: each limit is tried exactly at and one past
 * it, and each refusal is told apart by its code and its message.
 */

const HTU = 'https://login.example.com/qr-login/device/token';
const LIFETIME_MS = 60_000;
// A whole second, in the past of the real clock, so `iat` lands exactly on a limit.
const NOW = 1_600_000_000_000;
const NOW_S = NOW / 1000;

interface Keys {
  privateKey: CryptoKey;
  jwk: JWK;
}

let main: Keys;
let other: Keys;

async function keys(alg = 'ES256'): Promise<Keys> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { privateKey, jwk: await exportJWK(publicKey) };
}

let counter = 0;
async function proof(
  claims: Record<string, unknown> = {},
  options: { key?: Keys; alg?: string; typ?: string; jwk?: JWK; kid?: string } = {},
): Promise<string> {
  const key = options.key ?? main;
  const header = { alg: options.alg ?? 'ES256', typ: options.typ ?? 'dpop+jwt', jwk: options.jwk ?? key.jwk };
  return new SignJWT({ jti: `jti-${++counter}`, htm: 'POST', htu: HTU, iat: NOW_S, ...claims })
    .setProtectedHeader(options.kid === undefined ? header : { ...header, kid: options.kid })
    .sign(key.privateKey);
}

/** A good proof of exactly `length` characters: a padding claim and a `kid` header of the right sizes (base64url skips some lengths). */
async function padded(length: number): Promise<string> {
  const base = (await proof({ jti: 'padded', pad: '' }, { kid: '' })).length;
  const start = Math.max(0, Math.floor(((length - base) * 3) / 4) - 4);
  for (let pad = start; pad < start + 8; pad++) {
    for (const kid of ['', 'k', 'kk', 'kkk']) {
      const made = await proof({ jti: `padded-${counter}`, pad: 'x'.repeat(pad) }, { kid });
      if (made.length === length) return made;
    }
  }
  throw new Error(`no proof of ${length} characters`);
}

const sha256 = (value: string) => createHash('sha256').update(value).digest('base64url');

let clock: ManualClock;
let remembered: { scope: string; key: string; ttlMs: number }[];
let verifier: QrLoginDpopVerifier;

beforeAll(async () => {
  main = await keys();
  other = await keys();
});

beforeEach(() => {
  clock = new ManualClock(NOW);
  remembered = [];
  const store = new MemoryQrLoginStore();
  // The service's `rememberOnce`, over a real memory store, recording what it was asked.
  const service = {
    rememberOnce: (scope: string, key: string, ttlMs: number) => {
      remembered.push({ scope, key, ttlMs });
      return store.rememberOnce(`${scope}:${key}`, ttlMs);
    },
  } as unknown as QrLoginService;
  verifier = new QrLoginDpopVerifier(service, {
    clock,
    dpopProofLifetimeMs: LIFETIME_MS,
  } as unknown as ResolvedQrLoginConfig);
});

const expected = { method: 'POST', htu: HTU };

async function refusal(run: Promise<unknown>): Promise<{ code: string; message: string }> {
  const error = await run.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, 'the proof was accepted').toBeDefined();
  const { code, message } = error as { code: string; message: string };
  return { code, message };
}

const ONE_PROOF = /^Send exactly one DPoP proof: a compact JWS \(RFC 9449 §4\.2\)\.$/;
const BAD_JWS =
  /^The DPoP proof must be a JWS with typ "dpop\+jwt", alg ES256, a public "jwk" header and a valid signature by that key\.$/;
const BAD_CLAIMS = /^The DPoP proof must carry a "jti" \(a fresh random string\) and an "iat"\.$/;

describe('QrLoginDpopVerifier', () => {
  it('accepts a good proof: the thumbprint of its key, the public part of the key, the jti remembered for twice the lifetime', async () => {
    const jti = 'the-one-jti';
    const result = await verifier.verify(await proof({ jti }), expected);
    const jkt = await calculateJwkThumbprint(main.jwk, 'sha256');
    expect(result.jkt).toBe(jkt);
    expect(result.jwk).toStrictEqual({ kty: 'EC', crv: 'P-256', x: main.jwk.x, y: main.jwk.y });
    expect(remembered).toEqual([{ scope: 'dpop-jti', key: sha256(`${jkt}:${jti}`), ttlMs: 2 * LIFETIME_MS }]);
  });

  it('refuses anything but one compact JWS as a string, at most 4096 characters long', async () => {
    for (const value of [undefined, 123, '', { jws: 'x' }]) {
      expect(await refusal(verifier.verify(value, expected))).toEqual({
        code: 'QR_DPOP_INVALID',
        message: expect.stringMatching(ONE_PROOF),
      });
    }
    const good = await proof();
    expect(await refusal(verifier.verify(`${good},${await proof()}`, expected))).toMatchObject({
      message: expect.stringMatching(ONE_PROOF),
    });
    expect(await padded(4096)).toHaveLength(4096);
    await expect(verifier.verify(await padded(4096), expected)).resolves.toMatchObject({ jwk: { kty: 'EC' } });
    const longer = await padded(4097);
    expect(longer).toHaveLength(4097);
    expect(await refusal(verifier.verify(longer, expected))).toMatchObject({
      message: expect.stringMatching(ONE_PROOF),
    });
  });

  it('refuses a proof whose typ is not dpop+jwt, whose alg is not ES256, whose key is private or whose signature fails', async () => {
    const cases = [
      await proof({}, { typ: 'JWT' }),
      await proof({}, { key: await keys('ES384'), alg: 'ES384' }),
      await proof({}, { jwk: { ...(await exportJWK(main.privateKey)) } }),
      await proof({}, { jwk: other.jwk }),
      (await proof()).replace(/\.[^.]+$/, '.AAAA'),
    ];
    for (const value of cases) {
      expect(await refusal(verifier.verify(value, expected))).toEqual({
        code: 'QR_DPOP_INVALID',
        message: expect.stringMatching(BAD_JWS),
      });
    }
  });

  it("checks the JWS's own time claims on the server's clock, not the system's", async () => {
    // Valid for the manual clock (years ago), long expired for the system clock.
    await expect(verifier.verify(await proof({ exp: NOW_S + 30 }), expected)).resolves.toBeDefined();
    expect((await refusal(verifier.verify(await proof({ exp: NOW_S - 30 }), expected))).code).toBe('QR_DPOP_INVALID');
  });

  it('asks for a jti (a non-empty string of at most 256 characters) and a numeric iat', async () => {
    for (const claims of [{ jti: 7 }, { jti: '' }, { jti: 'j'.repeat(257) }, { jti: undefined }, { iat: undefined }]) {
      expect(await refusal(verifier.verify(await proof(claims), expected))).toEqual({
        code: 'QR_DPOP_INVALID',
        message: expect.stringMatching(BAD_CLAIMS),
      });
    }
    await expect(verifier.verify(await proof({ jti: 'j'.repeat(256) }), expected)).resolves.toBeDefined();
  });

  it("asks htm to be the request's method, whatever its case", async () => {
    await expect(verifier.verify(await proof(), { method: 'post', htu: HTU })).resolves.toBeDefined();
    for (const htm of ['GET', 'post', undefined]) {
      expect(await refusal(verifier.verify(await proof({ htm }), expected))).toEqual({
        code: 'QR_DPOP_METHOD_MISMATCH',
        message: `The DPoP proof's "htm" must be this request's method, POST.`,
      });
    }
  });

  it("asks htu to be the request's URL without query or fragment, normalized", async () => {
    const variants = ['HTTPS://Login.Example.com:443/qr-login/device/token?x=1#f', HTU];
    for (const htu of variants) await expect(verifier.verify(await proof({ htu }), expected)).resolves.toBeDefined();
    const message = `The DPoP proof's "htu" must be this request's URL without query or fragment (${HTU}).`;
    for (const htu of [[HTU], 'https://login.example.com/qr-login/device/token/', 'not a url', undefined]) {
      expect(await refusal(verifier.verify(await proof({ htu }), expected))).toEqual({
        code: 'QR_DPOP_URL_MISMATCH',
        message,
      });
    }
    // A request whose URL is unknown matches no proof, not even one whose htu is no URL either.
    expect(
      await refusal(verifier.verify(await proof({ htu: 'not a url' }), { method: 'POST', htu: undefined })),
    ).toEqual({
      code: 'QR_DPOP_URL_MISMATCH',
      message: `The DPoP proof's "htu" must be this request's URL without query or fragment (unknown).`,
    });
  });

  it('accepts an iat exactly the lifetime away either way, and refuses one second more', async () => {
    const message = `The DPoP proof's "iat" must be within 60 s of the server's time; make a fresh proof for each request.`;
    for (const iat of [NOW_S - 60, NOW_S + 60])
      await expect(verifier.verify(await proof({ iat }), expected)).resolves.toBeDefined();
    for (const iat of [NOW_S - 61, NOW_S + 61]) {
      expect(await refusal(verifier.verify(await proof({ iat }), expected))).toEqual({
        code: 'QR_DPOP_EXPIRED',
        message,
      });
    }
    // One millisecond past the limit, on the clock's side.
    clock.advance(1);
    expect((await refusal(verifier.verify(await proof({ iat: NOW_S - 60 }), expected))).code).toBe('QR_DPOP_EXPIRED');
  });

  it('asks ath to be the SHA-256 of an access token presented with the proof, and ignores it without one', async () => {
    const accessToken = 'the-access-token';
    await expect(
      verifier.verify(await proof({ ath: sha256(accessToken) }), { ...expected, accessToken }),
    ).resolves.toBeDefined();
    for (const ath of [sha256('another-token'), undefined, accessToken]) {
      expect(await refusal(verifier.verify(await proof({ ath }), { ...expected, accessToken }))).toEqual({
        code: 'QR_DPOP_TOKEN_MISMATCH',
        message: 'The DPoP proof\'s "ath" must be the SHA-256 (base64url) of the access token sent with it.',
      });
    }
    await expect(verifier.verify(await proof({ ath: 'anything' }), expected)).resolves.toBeDefined();
  });

  it('accepts a jti once per key, and a proof refused for another reason does not spend it', async () => {
    const replayed = 'This DPoP proof was used already; sign a new one (a fresh "jti") for every request.';
    expect((await refusal(verifier.verify(await proof({ jti: 'j1', htm: 'GET' }), expected))).code).toBe(
      'QR_DPOP_METHOD_MISMATCH',
    );
    const first = await proof({ jti: 'j1' });
    await expect(verifier.verify(first, expected)).resolves.toBeDefined();
    expect(await refusal(verifier.verify(first, expected))).toEqual({ code: 'QR_DPOP_REPLAYED', message: replayed });
    expect(await refusal(verifier.verify(await proof({ jti: 'j1' }), expected))).toEqual({
      code: 'QR_DPOP_REPLAYED',
      message: replayed,
    });
    await expect(verifier.verify(await proof({ jti: 'j1' }, { key: other }), expected)).resolves.toBeDefined();
  });

  it("verifies a request's own DPoP header against its method and URL", async () => {
    const request = (dpop: unknown, method: unknown = 'POST') => ({
      method,
      protocol: 'https',
      host: 'login.example.com',
      originalUrl: '/qr-login/device/token?x=1',
      headers: { dpop },
    });
    const accessToken = 'token';
    const good = await proof({ ath: sha256(accessToken) });
    await expect(verifier.verifyRequest(request(good), { accessToken })).resolves.toMatchObject({ jwk: { kty: 'EC' } });
    expect((await refusal(verifier.verifyRequest(request(await proof({ ath: 'x' })), { accessToken }))).code).toBe(
      'QR_DPOP_TOKEN_MISMATCH',
    );
    // A request without a method has the empty one, which no proof names.
    expect(await refusal(verifier.verifyRequest(request(await proof(), null)))).toEqual({
      code: 'QR_DPOP_METHOD_MISMATCH',
      message: `The DPoP proof's "htm" must be this request's method, .`,
    });
    // Two DPoP headers are two proofs: refused, never the first one read.
    const two = await refusal(verifier.verifyRequest(request([await proof(), await proof()])));
    expect(two).toMatchObject({ code: 'QR_DPOP_INVALID', message: expect.stringMatching(ONE_PROOF) });
    await expect(verifier.verifyRequest(request([await proof()]))).resolves.toBeDefined();
    for (const bare of [undefined, {}, { headers: {} }]) {
      expect(await refusal(verifier.verifyRequest(bare))).toMatchObject({
        code: 'QR_DPOP_INVALID',
        message: expect.stringMatching(ONE_PROOF),
      });
    }
  });
});
