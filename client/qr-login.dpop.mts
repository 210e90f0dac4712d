/*
 * The browser's DPoP key (RFC 9449): a P-256 key pair made by WebCrypto with
 * a non-extractable private key, so no script (the page's own included) can
 * read it out, only ask the browser to sign with it. It is kept in IndexedDB
 * (a CryptoKey is stored as itself, still non-extractable) under an id held
 * in sessionStorage, so the tab's later pages (e.g. the one that uses the
 * session) sign with the same key; without IndexedDB it lives as long as the
 * page. Every request then carries a fresh proof: its method and URL, the
 * time, a random id, and the hash of the access token it presents.
 */

const DB_NAME = 'nestjs-qr-login';
const DB_STORE = 'dpop-keys';
const TAB_KEY = 'nestjs-qr-login.dpop-key';

/** A key that signs DPoP proofs; the private half never leaves the browser's keystore. */
export interface QrLoginDpopKey {
  /** The key pair; `privateKey.extractable` is false. */
  readonly keys: CryptoKeyPair;
  /**
   * A fresh proof for one request: `method` and `url` (made absolute against
   * the page, query and fragment dropped), and `accessToken` where the
   * request presents one (`ath`).
   */
  proof(method: string, url: string, options?: { accessToken?: string }): Promise<string>;
}

function base64url(bytes: ArrayBuffer | Uint8Array): string {
  const view = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  let text = '';
  for (const byte of view) text += String.fromCharCode(byte);
  return btoa(text).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

const utf8 = (text: string) => new TextEncoder().encode(text);

function subtle(): SubtleCrypto | undefined {
  return typeof crypto === 'object' && crypto?.subtle && typeof crypto.randomUUID === 'function'
    ? crypto.subtle
    : undefined;
}

/** The absolute URL a proof names (`htu`): no query, no fragment. */
function htuOf(url: string): string {
  const absolute = new URL(url, typeof location === 'object' && location.href ? location.href : undefined);
  return `${absolute.origin}${absolute.pathname}`;
}

function openDb(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB_NAME, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(DB_STORE);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

function inStore<T>(db: IDBDatabase, mode: IDBTransactionMode, act: (store: IDBObjectStore) => IDBRequest): Promise<T> {
  return new Promise((resolve, reject) => {
    const request = act(db.transaction(DB_STORE, mode).objectStore(DB_STORE));
    request.onsuccess = () => resolve(request.result as T);
    request.onerror = () => reject(request.error);
  });
}

async function newPair(crypto: SubtleCrypto): Promise<CryptoKeyPair> {
  return crypto.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify']);
}

/** The tab's stored pair, or a new one stored for it; a page without IndexedDB keeps its own in memory. */
async function tabPair(crypto: SubtleCrypto): Promise<CryptoKeyPair> {
  if (typeof indexedDB !== 'object' || typeof sessionStorage !== 'object') return newPair(crypto);
  try {
    const db = await openDb();
    try {
      const id = sessionStorage.getItem(TAB_KEY);
      const stored = id ? await inStore<CryptoKeyPair | undefined>(db, 'readonly', (s) => s.get(id)) : undefined;
      if (stored?.privateKey && stored.publicKey) return stored;
      const pair = await newPair(crypto);
      const fresh = globalThis.crypto.randomUUID();
      await inStore(db, 'readwrite', (s) => s.put(pair, fresh));
      sessionStorage.setItem(TAB_KEY, fresh);
      return pair;
    } finally {
      db.close();
    }
  } catch {
    return newPair(crypto);
  }
}

async function keyOf(crypto: SubtleCrypto, keys: CryptoKeyPair): Promise<QrLoginDpopKey> {
  const { kty, crv, x, y } = await crypto.exportKey('jwk', keys.publicKey);
  const header = base64url(utf8(JSON.stringify({ typ: 'dpop+jwt', alg: 'ES256', jwk: { kty, crv, x, y } })));
  return {
    keys,
    async proof(method, url, options = {}) {
      const claims: Record<string, unknown> = {
        jti: globalThis.crypto.randomUUID(),
        htm: method.toUpperCase(),
        htu: htuOf(url),
        iat: Math.floor(Date.now() / 1000),
      };
      if (options.accessToken !== undefined)
        claims.ath = base64url(await crypto.digest('SHA-256', utf8(options.accessToken)));
      const input = `${header}.${base64url(utf8(JSON.stringify(claims)))}`;
      // WebCrypto's ECDSA signature is r‖s, 64 bytes: the JWS form of ES256 as it is.
      const signature = await crypto.sign({ name: 'ECDSA', hash: 'SHA-256' }, keys.privateKey, utf8(input));
      return `${input}.${base64url(signature)}`;
    },
  };
}

let shared: Promise<QrLoginDpopKey | undefined> | undefined;

/**
 * This tab's DPoP key, made on first use; undefined where the browser has no
 * WebCrypto (an insecure origin, an old browser), which then proves itself by
 * the creator secret as before.
 */
export function qrLoginDpopKey(): Promise<QrLoginDpopKey | undefined> {
  shared ??= (async () => {
    const crypto = subtle();
    if (!crypto) return undefined;
    try {
      return await keyOf(crypto, await tabPair(crypto));
    } catch {
      return undefined;
    }
  })();
  return shared;
}

/**
 * A DPoP proof by this tab's key for a request of the app's own, e.g. `GET
 * /me` with the session token the QR login gave (`accessToken`, for `ath`);
 * send it as the `DPoP` header. Undefined where the browser has no WebCrypto.
 */
export async function qrLoginDpopProof(
  method: string,
  url: string,
  options: { accessToken?: string } = {},
): Promise<string | undefined> {
  return (await qrLoginDpopKey())?.proof(method, url, options);
}
