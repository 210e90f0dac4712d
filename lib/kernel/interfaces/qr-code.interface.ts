/**
 * Status strings are GenAuth's, so GenAuth clients read them unchanged.
 * `ERROR` is never stored; it is only sent to a stream that cannot go on.
 */
export const QR_CODE_STATUSES = ['PENDING', 'SCANNED', 'AUTHORIZED', 'CANCELLED', 'EXPIRED', 'ERROR'] as const;
/** One of `QR_CODE_STATUSES`. */
export type QrCodeStatus = (typeof QR_CODE_STATUSES)[number];

/** GenAuth's three code types; this module serves `MOBILE_APP`. */
export type QrCodeType = 'MOBILE_APP' | 'WECHAT_MINIPROGRAM' | 'WECHAT_OFFICIAL_ACCOUNT';

/** The app-side actions of GenAuth's `change-qrcode-status`. */
export type QrCodeAction = 'SCAN' | 'CONFIRM' | 'CANCEL';

/**
 * What kind of login a code stands for: `qr`, a page showing a QR (and a
 * match number) to a phone beside it; `device`, a device that shows only a
 * user code (the OAuth device grant), whose phone may be anywhere.
 */
export type QrCodeFlow = 'qr' | 'device';

/**
 * How a user code came to the phone, as the phone's request says:
 * `typed` by its user (read off the requesting screen), or from a `link`
 * (e.g. `verification_uri_complete`), which anyone could have sent.
 */
export type QrCodeEntry = 'typed' | 'link';

/** What the web page may show of the user who scanned: GenAuth's `briefUserInfo`. */
export interface BriefUserInfo {
  displayName: string;
  photo?: string;
}

/** Who asked to log in, shown on the phone before the user confirms. */
export interface QrRequesterInfo {
  /** Address of the browser that created the code, as the HTTP adapter reports it (`trust proxy` applies). */
  ip?: string;
  /** The creating browser's `User-Agent` header, cut to 512 characters. */
  userAgent?: string;
  /** When the code was created, ISO 8601. */
  createdAt: string;
  /** The configured `appName`, so the phone can say which site is asking. */
  appName?: string;
  /** The page origin (`Origin` header) that created the code, when the browser sent one. */
  origin?: string;
  /** For a code a plugin made for an authenticated client (the device grant): its id and display name, shown on the phone. */
  client?: { id: string; name: string };
}

/**
 * How a code may be read and redeemed, decided when it is created and stored
 * with it. Every route applies the record's own binding; no caller can loosen it.
 */
export interface QrCodeBinding {
  /** Who sees who scanned, the match number and the ticket: the creator (with its proof) or anyone who knows the id. */
  reveal: 'creator' | 'anyone';
  /** Who may redeem the ticket: the creator (with its proof), an authenticated client (`client`), or whoever holds the ticket. */
  redeem: 'creator' | 'client' | 'anyone';
  /**
   * The client that must have authenticated, e.g. `genauth:<clientId>`: with
   * `redeem: 'client'` it alone decides; with the creator's binding the
   * proof must carry both the creator's secret and this client (the device
   * grant: a device code is good only in the hands of the client it was issued to).
   */
  client?: string;
  /**
   * How a phone may name the code to scan, confirm or cancel it: `any`
   * (by its id, as in the QR, or by its user code) or `user-code` only. Device
   * flows are `user-code`: their id never leaves the server, and a phone
   * cannot be sent to approve one by a link holding an id. Default `any`.
   */
  scan?: 'any' | 'user-code';
  /** The route family that created the code (`native`, `genauth`, `wechat`, `device`, …), for audits and for plugins that serve only their own codes. */
  via: string;
  /** For plugins with several connections (e.g. WeChat): the connection that made the code. */
  connection?: string;
}

/**
 * What a request proves when it reads or redeems a code. Facts only, checked
 * by the HTTP edge or a plugin: the kernel compares them with the record's binding.
 */
export interface QrCodeProof {
  /** Creator secrets the request carries (the `x-qr-login-secret` header and creator cookies); any match counts. */
  creatorSecrets?: readonly string[];
  /** The client the request authenticated as (a plugin's client authentication), e.g. `genauth:<clientId>`. */
  client?: string;
  /**
   * The RFC 7638 SHA-256 thumbprint (base64url) of the key that signed the
   * request's DPoP proof (RFC 9449), set only after the HTTP edge verified
   * the proof: signature, method, URL, age and single use.
   */
  dpopJkt?: string;
}

/** The risk assessment of a scan as the record keeps it (see `QrLoginRiskAssessment`). */
export interface QrCodeRiskSummary {
  verdict: 'allow' | 'warn' | 'deny';
  flags: string[];
  facts: { sameIp: boolean; sameNetwork: boolean; sameAsn?: boolean; sameCountry?: boolean; distanceKm?: number };
}

/** A JSON object as accepted in `customData` and `context`. */
export type JsonObject = { [key: string]: unknown };

/**
 * One QR code as a store holds it. A store treats it as an opaque JSON value
 * apart from `id`, `version` and `retainUntil`; every field is plain JSON.
 */
export interface QrCodeRecord {
  /** The public id (`qrcodeId`); also encodes `expiresAt` (see `qr-login.ids.ts`). */
  id: string;
  type: QrCodeType;
  /** The stored status; `EXPIRED` is derived from `expiresAt`, never stored. */
  status: Exclude<QrCodeStatus, 'EXPIRED' | 'ERROR'>;
  /** Increases by one on every change; the store compares it to make transitions atomic. */
  version: number;
  /** Creation time, ms since the epoch. */
  createdAt: number;
  /** End of the code's life for a non-terminal status, ms since the epoch. */
  expiresAt: number;
  /** When the store may forget the record, ms since the epoch (the later of code and ticket expiry). */
  retainUntil: number;
  /** SHA-256 (base64url) of the creator secret; the secret itself is never stored. */
  creatorSecretHash: string;
  /** How the code may be read and redeemed (records written before bindings existed read as creator-bound). */
  binding?: QrCodeBinding;
  /**
   * Set when the code was created with a verified DPoP proof: the RFC 7638
   * SHA-256 thumbprint of the creator's key. Such a code is key-bound: only a
   * proof by that key counts as the creator's, the creator secret alone never
   * does, and a rotation's successor keeps the key.
   */
  creatorKey?: { jkt: string };
  requester: QrRequesterInfo;
  customData?: JsonObject;
  context?: JsonObject;
  /**
   * Set by SCAN: the only user who may confirm or cancel, what the risk
   * assessment of the scan found, and how a user code came to the phone when
   * the scan named the code by one (`entry`).
   */
  scannedBy?: {
    userId: string;
    briefUserInfo: BriefUserInfo;
    scannedAt: number;
    risk?: QrCodeRiskSummary;
    entry?: QrCodeEntry;
  };
  /** Set by CONFIRM: the ticket, its expiry (ms since the epoch) and whether it was redeemed. */
  ticket?: { value: string; expiresAt: number; redeemedAt?: number };
  /** When a terminal status was reached, ms since the epoch. */
  endedAt?: number;
  /** Number matching: the number the page shows, and the choices the phone offers. */
  match?: { code: string; choices: string[] };
  /** `device` for a device flow (see `QrCodeFlow`); absent for a QR. */
  flow?: 'device';
  /**
   * User-code matching, for a device flow with number matching on: the
   * user codes (canonical form, shuffled, the code's own among them) a phone
   * that arrived by a link must pick from; a wrong pick cancels the code.
   */
  userCodeChoices?: string[];
  /** Set when rotation replaced this code: the id of its successor. */
  replacedBy?: string;
  /** Why a CANCELLED code ended, when not by the user's own cancel (e.g. `MATCH_FAILED`). */
  cancelReason?: string;
  /** The short code a person may type instead of scanning, canonical form (e.g. `WDJBMJHT`); its store alias points here. */
  userCode?: string;
  /**
   * Polling pace, for clients told to poll no faster than an interval (the
   * device grant's token endpoint): when the last accepted poll was (ms since
   * the epoch) and the interval now asked of the client (ms), grown on each
   * poll that came too soon.
   */
  poll?: { lastAt: number; intervalMs: number };
  /**
   * Set by SCAN when the code must be approved with the phone's passkey: the
   * record version the scan found and the digest (SHA-256, base64url) of what
   * the phone was shown, the inputs of the challenge its assertion must sign
   * (see `passkeyChallengeOf`). Absent: the phone's token approves.
   */
  approval?: { method: 'passkey'; version: number; shown: string };
}
