import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { EmbeddedJWK, calculateJwkThumbprint, jwtVerify, type JWK, type JWTPayload } from 'jose';
import { QR_LOGIN_CONFIG } from '../../kernel/qr-login.constants';
import type { ResolvedQrLoginConfig } from '../../kernel/qr-login.config';
import { QrLoginErrorCode as E, qrErrors } from '../../kernel/qr-login.errors';
import { QrLoginService } from '../../kernel/qr-login.service';
import { htuOf, requestHtuOf } from './qr-login-dpop.url';

/**
 * Signature algorithms accepted in a DPoP proof: ES256 (P-256), the one
 * every WebCrypto and every DPoP client speaks. Advertised as
 * `dpop_signing_alg_values_supported` where a discovery document is served.
 */
export const QR_LOGIN_DPOP_ALGORITHMS: readonly string[] = ['ES256'];

/** Longest proof read, in characters: an ES256 proof is about 600; anything far longer is not one. */
const MAX_PROOF_LENGTH = 4096;
/** Longest `jti` kept, in characters (RFC 9449 asks for 96 random bits or more; 256 is ample). */
const MAX_JTI_LENGTH = 256;

/** What a proof must match: the request's method and URL (`htu` as `requestHtuOf` builds it), and an access token it presents. */
export interface QrLoginDpopExpectation {
  method: string;
  htu: string | undefined;
  /** The access token the request presents beside the proof; the proof's `ath` must be its SHA-256. */
  accessToken?: string;
}

/** A proof that passed every check. */
export interface QrLoginVerifiedDpop {
  /** RFC 7638 SHA-256 thumbprint (base64url) of the signing key. */
  jkt: string;
  /** The signing key, public part only. */
  jwk: JWK;
}

/** base64url SHA-256, as `ath` and the `jti` memory use it. */
function sha256(value: string): string {
  return createHash('sha256').update(value).digest('base64url');
}

const refuse = (code: E, message: string) => qrErrors.dpop(code, message);

/**
 * Checks DPoP proofs (RFC 9449 §4.3) for every route that takes them: a
 * `dpop+jwt` JWS by an accepted algorithm, signed by the public `jwk` in its
 * header; `htm` and `htu` of this request; `iat` within
 * `dpopProofLifetime` of the kernel's clock (either way, for skew); `ath`
 * where a token is presented; and a `jti` seen once on every instance
 * (remembered through the store's `rememberOnce` for twice the lifetime, the
 * longest a proof can be accepted). The replay check comes last, so a proof
 * refused for any other reason does not spend its `jti`.
 */
@Injectable()
export class QrLoginDpopVerifier {
  constructor(
    private readonly service: QrLoginService,
    @Inject(QR_LOGIN_CONFIG) private readonly config: ResolvedQrLoginConfig,
  ) {}

  /**
   * Verifies the `DPoP` header of a request (Express or Fastify) against its
   * own method and URL as the app sees it, e.g. on an app route taking a
   * DPoP-bound access token: pass the token so `ath` is checked, then compare
   * the answer's `jkt` with the token's `cnf.jkt`. A refusal is a
   * `QrLoginError` with a `QR_DPOP_*` code (401 through `toHttpError`).
   */
  verifyRequest(request: any, options: { accessToken?: string } = {}): Promise<QrLoginVerifiedDpop> {
    const raw = request?.headers?.dpop;
    return this.verify(Array.isArray(raw) ? raw.join(',') : raw, {
      method: String(request?.method ?? ''),
      htu: requestHtuOf(request),
      ...options,
    });
  }

  /** Verifies one proof against what the request must match. */
  async verify(proof: unknown, expected: QrLoginDpopExpectation): Promise<QrLoginVerifiedDpop> {
    if (typeof proof !== 'string' || proof === '' || proof.length > MAX_PROOF_LENGTH || proof.includes(',')) {
      throw refuse(E.DPOP_INVALID, 'Send exactly one DPoP proof: a compact JWS (RFC 9449 §4.2).');
    }
    const now = this.config.clock.now();
    let payload: JWTPayload;
    let jwk: JWK;
    try {
      const verified = await jwtVerify(proof, EmbeddedJWK, {
        typ: 'dpop+jwt',
        algorithms: [...QR_LOGIN_DPOP_ALGORITHMS],
        currentDate: new Date(now),
      });
      payload = verified.payload;
      jwk = verified.protectedHeader.jwk as JWK;
    } catch {
      throw refuse(
        E.DPOP_INVALID,
        `The DPoP proof must be a JWS with typ "dpop+jwt", alg ${QR_LOGIN_DPOP_ALGORITHMS.join(' or ')}, a public "jwk" header and a valid signature by that key.`,
      );
    }
    const { jti, htm, htu, iat, ath } = payload as JWTPayload & { htm?: unknown; htu?: unknown; ath?: unknown };
    if (typeof jti !== 'string' || jti === '' || jti.length > MAX_JTI_LENGTH || typeof iat !== 'number') {
      throw refuse(E.DPOP_INVALID, 'The DPoP proof must carry a "jti" (a fresh random string) and an "iat".');
    }
    if (htm !== expected.method.toUpperCase()) {
      throw refuse(E.DPOP_METHOD_MISMATCH, `The DPoP proof's "htm" must be this request's method, ${expected.method}.`);
    }
    if (typeof htu !== 'string' || expected.htu === undefined || htuOf(htu) !== expected.htu) {
      throw refuse(
        E.DPOP_URL_MISMATCH,
        `The DPoP proof's "htu" must be this request's URL without query or fragment (${expected.htu ?? 'unknown'}).`,
      );
    }
    const lifetimeMs = this.config.dpopProofLifetimeMs;
    if (Math.abs(iat * 1000 - now) > lifetimeMs) {
      throw refuse(
        E.DPOP_EXPIRED,
        `The DPoP proof's "iat" must be within ${lifetimeMs / 1000} s of the server's time; make a fresh proof for each request.`,
      );
    }
    if (expected.accessToken !== undefined && ath !== sha256(expected.accessToken)) {
      throw refuse(
        E.DPOP_TOKEN_MISMATCH,
        'The DPoP proof\'s "ath" must be the SHA-256 (base64url) of the access token sent with it.',
      );
    }
    const jkt = await calculateJwkThumbprint(jwk, 'sha256');
    if (!(await this.service.rememberOnce('dpop-jti', sha256(`${jkt}:${jti}`), 2 * lifetimeMs))) {
      throw refuse(
        E.DPOP_REPLAYED,
        'This DPoP proof was used already; sign a new one (a fresh "jti") for every request.',
      );
    }
    return { jkt, jwk: publicPartOf(jwk) };
  }
}

/** The public members of an EC key (the embedded key is public already: jose refuses a private one). */
function publicPartOf(jwk: JWK): JWK {
  return { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y };
}
