import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { isoCBOR } from '@simplewebauthn/server/helpers';

/*
 * A passkey authenticator in software, so unit specs can hand the real
 * `@simplewebauthn/server` real WebAuthn answers without a browser. It holds
 * one ES256 (P-256) credential and writes what a platform authenticator and
 * its browser would: the client data, the authenticator data (RP id hash,
 * flags, signature counter, and at registration the attested credential with
 * its COSE key), an attestation object ("none", or "packed" self attestation)
 * and DER-encoded ECDSA signatures over authenticatorData || SHA-256(clientDataJSON).
 * Every field a relying party checks can be set wrong on purpose.
 */

/** Flag bits of the authenticator data (WebAuthn §6.1). */
const USER_PRESENT = 0x01;
const USER_VERIFIED = 0x04;
const ATTESTED_CREDENTIAL = 0x40;

/** COSE: key type EC2, algorithm ES256, curve P-256 (RFC 9053). */
const COSE_EC2 = 2;
const COSE_ES256 = -7;
const COSE_P256 = 1;

const sha256 = (data: Buffer | string): Buffer => createHash('sha256').update(data).digest();
const b64url = (data: Uint8Array): string => Buffer.from(data).toString('base64url');

/** What the browser and the authenticator are told, and what they may be made to get wrong. */
export interface Ceremony {
  /** The challenge as the relying party sent it (base64url). */
  challenge: string;
  /** The page's origin, written into the client data. */
  origin: string;
  /** The RP id whose SHA-256 opens the authenticator data. */
  rpId: string;
  /** The user-verified flag (fingerprint, face, PIN). Default true. */
  userVerified?: boolean;
  /** The user-present flag. Default true. */
  userPresent?: boolean;
  /** The client data's `type`. Default `webauthn.create` at registration, `webauthn.get` at assertion. */
  type?: string;
  /** Sign bytes other than the ones sent: a well-formed signature that does not verify. */
  badSignature?: boolean;
}

/** An assertion's ceremony, with the counter it reports when not the authenticator's own. */
export interface AssertionCeremony extends Ceremony {
  /** The signature counter to report, e.g. a cloned authenticator's stale one. Default: the authenticator's. */
  counter?: number;
}

/** A registration's ceremony, with the attestation format. */
export interface RegistrationCeremony extends Ceremony {
  /** `none` (default) or `packed` self attestation, signed with the credential's own key. */
  format?: 'none' | 'packed';
}

export class SoftwareAuthenticator {
  /** The credential id, as the relying party stores it (base64url). */
  readonly id: string;
  private readonly rawId: Buffer;
  private readonly privateKey: KeyObject;
  private readonly publicKey: KeyObject;
  private signCount = 0;

  /**
   * @param counting whether the authenticator keeps a signature counter
   * (each assertion one more), or sends 0 every time as many platform ones do.
   */
  constructor(private readonly counting = true) {
    this.rawId = randomBytes(16);
    this.id = b64url(this.rawId);
    const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    this.privateKey = pair.privateKey;
    this.publicKey = pair.publicKey;
  }

  /** The counter the next assertion reports, without making one. */
  get counter(): number {
    return this.signCount;
  }

  /** The public key as a COSE_Key map, CBOR-encoded: what the relying party keeps. */
  coseKey(): Uint8Array {
    const jwk = this.publicKey.export({ format: 'jwk' });
    return isoCBOR.encode(
      new Map<number, number | Uint8Array>([
        [1, COSE_EC2],
        [3, COSE_ES256],
        [-1, COSE_P256],
        [-2, Buffer.from(jwk.x!, 'base64url')],
        [-3, Buffer.from(jwk.y!, 'base64url')],
      ]),
    );
  }

  /** A registration response (`navigator.credentials.create()` as JSON) for these options. */
  register(ceremony: RegistrationCeremony): Record<string, unknown> {
    const clientDataJSON = this.clientData(ceremony, 'webauthn.create');
    const attested = Buffer.concat([
      Buffer.alloc(16), // AAGUID: all zero, as an authenticator that does not tell its model
      Buffer.from([this.rawId.length >> 8, this.rawId.length & 0xff]),
      this.rawId,
      this.coseKey(),
    ]);
    const authData = Buffer.concat([this.authenticatorData(ceremony, 0, ATTESTED_CREDENTIAL), attested]);
    const statement =
      ceremony.format === 'packed'
        ? new Map<string, number | Uint8Array>([
            ['alg', COSE_ES256],
            ['sig', this.signature(authData, clientDataJSON, ceremony.badSignature)],
          ])
        : new Map<string, number>();
    const attestationObject = isoCBOR.encode(
      new Map<string, string | Uint8Array | Map<string, number | Uint8Array>>([
        ['fmt', ceremony.format ?? 'none'],
        ['attStmt', statement],
        ['authData', authData],
      ]),
    );
    return this.credentialJson({
      clientDataJSON: b64url(clientDataJSON),
      attestationObject: b64url(attestationObject),
      transports: ['internal'],
    });
  }

  /** A platform credential as the browser serialises it (`PublicKeyCredential.toJSON()`), around `response`. */
  private credentialJson(response: Record<string, unknown>): Record<string, unknown> {
    return {
      id: this.id,
      rawId: this.id,
      type: 'public-key',
      response,
      clientExtensionResults: {},
      authenticatorAttachment: 'platform',
    };
  }

  /** An assertion (`navigator.credentials.get()` as JSON) over the challenge; a counting authenticator counts one up. */
  assert(ceremony: AssertionCeremony): Record<string, unknown> {
    if (this.counting) this.signCount += 1;
    const clientDataJSON = this.clientData(ceremony, 'webauthn.get');
    const authData = this.authenticatorData(ceremony, ceremony.counter ?? this.signCount, 0);
    return this.credentialJson({
      clientDataJSON: b64url(clientDataJSON),
      authenticatorData: b64url(authData),
      signature: b64url(this.signature(authData, clientDataJSON, ceremony.badSignature)),
    });
  }

  private clientData(ceremony: Ceremony, type: string): Buffer {
    const data = {
      type: ceremony.type ?? type,
      challenge: ceremony.challenge,
      origin: ceremony.origin,
      crossOrigin: false,
    };
    return Buffer.from(JSON.stringify(data), 'utf8');
  }

  /** rpIdHash (32) | flags (1) | signCount (4, big-endian); the attested credential data follows at registration. */
  private authenticatorData(ceremony: Ceremony, counter: number, extraFlags: number): Buffer {
    let flags = extraFlags;
    if (ceremony.userPresent ?? true) flags |= USER_PRESENT;
    if (ceremony.userVerified ?? true) flags |= USER_VERIFIED;
    const count = Buffer.alloc(4);
    count.writeUInt32BE(counter);
    return Buffer.concat([sha256(ceremony.rpId), Buffer.from([flags]), count]);
  }

  /** ECDSA P-256 / SHA-256, DER-encoded, over authenticatorData || SHA-256(clientDataJSON). */
  private signature(authData: Buffer, clientDataJSON: Buffer, bad = false): Buffer {
    const signed = Buffer.concat([authData, sha256(clientDataJSON)]);
    if (bad) signed[0] ^= 0xff;
    return sign('sha256', signed, this.privateKey);
  }
}
