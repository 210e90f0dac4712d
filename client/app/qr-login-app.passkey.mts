/*
 * The phone's WebAuthn calls over the platform API (`navigator.credentials`),
 * with the base64url conversions the server's JSON needs, and the challenge a
 * passkey approval signs, derived here from what the phone shows: the
 * server derives the same from the code's record, so an assertion approves
 * only the code, number and description it was made for.
 */
import type { QrLoginScanAnswer } from './qr-login-app.types.mjs';

/** Tag of the challenge's canonical string (the server's `QR_LOGIN_PASSKEY_CHALLENGE_TAG`). */
const CHALLENGE_TAG = 'nestjs-qr-login/passkey-approval/1';

type Bytes = Uint8Array;
interface Subtle {
  digest(algorithm: string, data: Bytes): Promise<ArrayBuffer>;
}
interface Credentials {
  create(options: unknown): Promise<unknown>;
  get(options: unknown): Promise<unknown>;
}
declare const TextEncoder: { new (): { encode(text: string): Bytes } };
declare function btoa(text: string): string;
declare function atob(text: string): string;

function platform(): { subtle: Subtle; credentials?: Credentials } {
  const scope = globalThis as unknown as { crypto?: { subtle?: Subtle }; navigator?: { credentials?: Credentials } };
  if (!scope.crypto?.subtle)
    throw new TypeError('Passkeys need WebCrypto (crypto.subtle): use a secure context (https).');
  return { subtle: scope.crypto.subtle, credentials: scope.navigator?.credentials };
}

/** Bytes as base64url without padding. */
export function toBase64url(bytes: ArrayBuffer | Bytes): string {
  const view = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  let text = '';
  for (let i = 0; i < view.length; i++) text += String.fromCharCode(view[i]);
  return btoa(text).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** base64url (padded or not) as bytes. */
export function fromBase64url(text: string): Bytes {
  const plain = atob(text.replace(/-/g, '+').replace(/_/g, '/') + '==='.slice((text.length + 3) % 4));
  const bytes = new Uint8Array(plain.length);
  for (let i = 0; i < plain.length; i++) bytes[i] = plain.charCodeAt(i);
  return bytes;
}

/** JSON with keys sorted at every depth and `undefined` members left out, as the server writes it. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item ?? null)).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record)
      .filter((key) => record[key] !== undefined)
      .sort();
    return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(record[key])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

async function sha256(text: string): Promise<string> {
  return toBase64url(await platform().subtle.digest('SHA-256', new TextEncoder().encode(text)));
}

/**
 * The challenge that approves `scan` with the picked number: SHA-256 over the
 * code id, the record version the scan names, the number, and a digest of
 * what the phone shows (flow, client, requester, risk). Show exactly
 * `scan` to the user: what they see is what they sign.
 */
export async function passkeyChallengeFor(scan: QrLoginScanAnswer, matchCode?: string): Promise<string> {
  if (!scan.approval) throw new TypeError('This scan asks for no passkey (no "approval" in the answer).');
  const shown = await sha256(
    canonicalJson({ flow: scan.flow, client: scan.client, requester: scan.requester, risk: scan.risk }),
  );
  return sha256([CHALLENGE_TAG, scan.qrcodeId, String(scan.approval.version), matchCode ?? '', shown].join('\n'));
}

function credentials(): Credentials {
  const found = platform().credentials;
  if (!found) throw new TypeError('No navigator.credentials here: passkeys need a browser (or a WebAuthn polyfill).');
  return found;
}

type Json = Record<string, unknown>;
type Descriptor = { id: string; type?: string; transports?: string[] };
const descriptors = (list: unknown) =>
  ((list as Descriptor[] | undefined) ?? []).map((item) => ({
    ...item,
    type: 'public-key',
    id: fromBase64url(item.id),
  }));

/** The answer of a WebAuthn call as JSON with base64url fields, as the server reads it. */
function credentialJson(credential: unknown, fields: string[]): Json {
  const found = credential as { id: string; rawId: ArrayBuffer; type: string; response: Json } & Json;
  const response: Json = {};
  for (const name of fields) {
    const value = found.response[name];
    if (value) response[name] = toBase64url(value as ArrayBuffer);
  }
  const transports = (found.response.getTransports as (() => string[]) | undefined)?.call(found.response);
  if (transports) response.transports = transports;
  const extensions = (found.getClientExtensionResults as (() => Json) | undefined)?.call(found) ?? {};
  return {
    id: found.id,
    rawId: toBase64url(found.rawId),
    type: found.type,
    response,
    clientExtensionResults: extensions,
  };
}

/** `navigator.credentials.create()` from the server's registration options; answers the credential as JSON. */
export async function createPasskeyCredential(options: Json): Promise<Json> {
  const user = options.user as Json;
  const publicKey = {
    ...options,
    challenge: fromBase64url(String(options.challenge)),
    user: { ...user, id: fromBase64url(String(user.id)) },
    excludeCredentials: descriptors(options.excludeCredentials),
  };
  const created = await credentials().create({ publicKey });
  if (!created) throw new TypeError('No passkey was created.');
  return credentialJson(created, ['clientDataJSON', 'attestationObject']);
}

/** `navigator.credentials.get()` over `challenge` (base64url), user verification required; answers the assertion as JSON. */
export async function getPasskeyAssertion(options: {
  challenge: string;
  rpId?: string;
  allowCredentials?: Descriptor[];
  timeout?: number;
}): Promise<Json> {
  const publicKey = {
    ...options,
    challenge: fromBase64url(options.challenge),
    allowCredentials: descriptors(options.allowCredentials),
    userVerification: 'required',
  };
  const asserted = await credentials().get({ publicKey });
  if (!asserted) throw new TypeError('No passkey answered.');
  return credentialJson(asserted, ['clientDataJSON', 'authenticatorData', 'signature', 'userHandle']);
}
