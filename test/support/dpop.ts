import { createHash, randomUUID } from 'node:crypto';
import { SignJWT, calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';

/** A DPoP key of a test client: signs proofs the way RFC 9449 §4 asks, with knobs to make bad ones. */
export interface DpopKey {
  jkt: string;
  publicJwk: JWK;
  privateJwk: JWK;
  proof(method: string, url: string, options?: ProofOptions): Promise<string>;
}

export interface ProofOptions {
  /** `iat`, in ms since the epoch. Default: now on the system clock. */
  at?: number;
  jti?: string;
  /** The access token the proof goes with (`ath`). */
  accessToken?: string;
  /** Overrides for the header (e.g. a wrong `typ`, a private `jwk`). */
  header?: Record<string, unknown>;
}

/** A fresh P-256 key pair and its RFC 7638 thumbprint. */
export async function newDpopKey(): Promise<DpopKey> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const publicJwk = await exportJWK(publicKey);
  const privateJwk = await exportJWK(privateKey);
  const jkt = await calculateJwkThumbprint(publicJwk, 'sha256');
  return {
    jkt,
    publicJwk,
    privateJwk,
    proof: async (method, url, options = {}) => {
      const at = Math.floor((options.at ?? Date.now()) / 1000);
      const payload: Record<string, unknown> = {
        htm: method,
        htu: url,
        jti: options.jti ?? randomUUID(),
        iat: at,
      };
      if (options.accessToken !== undefined)
        payload.ath = createHash('sha256').update(options.accessToken).digest('base64url');
      return new SignJWT(payload)
        .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: publicJwk, ...options.header } as never)
        .sign(privateKey);
    },
  };
}
