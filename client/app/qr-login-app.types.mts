/*
 * What the phone-side routes answer, as the module sends them. Plain data
 * types with no platform type in them, so they compile for React Native,
 * browsers and Node alike.
 */

/** A parsed part of the requesting browser's user agent (name and version as the parser reads them). */
export interface QrLoginNamedVersion {
  name?: string;
  version?: string;
}

/** Where the requesting browser is, when the server has a geo database configured. */
export interface QrLoginPlace {
  /** ISO 3166-1 alpha-2 country code, e.g. `DE`. */
  country?: string;
  city?: string;
  /** Autonomous system number of the network. */
  asn?: number;
  /** Organisation owning that network, e.g. an ISP. */
  asOrg?: string;
  latitude?: number;
  longitude?: number;
}

/** The browser that created the code: what the phone shows before its user confirms. */
export interface QrLoginRequester {
  /** Address the code was created from, as the server saw it. */
  ip?: string;
  /** When the code was created (ISO 8601). */
  createdAt: string;
  /** The site asking to log in (the module's `appName`). */
  appName?: string;
  /** The raw User-Agent header: the browser chose it, so it may lie. */
  userAgent?: string;
  browser?: QrLoginNamedVersion;
  os?: QrLoginNamedVersion;
  device?: { type?: string; vendor?: string; model?: string };
  /** Only when the server has a geo database configured. */
  place?: QrLoginPlace;
  /** Names of the fields above the browser could forge, e.g. `['userAgent', 'browser', 'os', 'device']`. */
  clientSupplied: string[];
}

/**
 * Stable names of what looks unusual about a login, comparing the browser
 * with this phone. New names may appear: show unknown ones generically.
 */
export type QrLoginRiskFlag =
  | 'different-network'
  | 'different-asn'
  | 'different-country'
  | 'far-away'
  | 'anonymous-network'
  | 'unknown-location'
  | (string & {});

/** The server's judgement of a scan. A `deny` never reaches the phone: the scan fails with `QR_RISK_DENIED`. */
export interface QrLoginRisk {
  verdict: 'allow' | 'warn';
  flags: QrLoginRiskFlag[];
  facts: {
    sameIp: boolean;
    sameNetwork: boolean;
    sameAsn?: boolean;
    sameCountry?: boolean;
    /** Distance between browser and phone, in kilometres, when both places are known. */
    distanceKm?: number;
  };
  /** `passkey` when the site's policy asks this login to be approved with the passkey (step-up). */
  stepUp?: 'passkey';
}

/** Answer of a scan (`POST /<prefix>/qrcodes/:id/scan` or `POST /<prefix>/user-codes/scan`). */
export interface QrLoginScanAnswer {
  /** The code scanned. A QR is confirmed or cancelled by this id; a device flow (`flow: 'device'`) only by its user code. */
  qrcodeId: string;
  status: 'SCANNED';
  /**
   * What is approved: `qr`, a page beside the phone; `device`, a device flow
   * (a TV, a CLI) that may be anywhere. For `device`, say so and ask whether
   * the user started it on a screen in front of them.
   */
  flow: 'qr' | 'device';
  /** For a device flow: the OAuth client's id and display name. */
  client?: { id: string; name: string };
  /** Seconds left to confirm. */
  expiresIn: number;
  requester: QrLoginRequester;
  risk: QrLoginRisk;
  /** Number matching: offer these, and confirm with the one the user picks (see `matchKind`). */
  matchChoices?: string[];
  /** What `matchChoices` holds: match numbers (a QR) or user codes (a device flow whose code came by a link). */
  matchKind?: 'number' | 'user-code';
  /**
   * Present when this code must be approved with the user's passkey: the
   * record version its challenge is derived from. Approve with
   * `approveWithPasskey`, which signs what this answer shows.
   */
  approval?: { method: 'passkey'; version: number };
}

/** Answer of `POST /<prefix>/user-codes/describe`: what a user code asks, before anything is done with it. */
export interface QrLoginUserCodeRequest {
  flow: 'qr' | 'device';
  /** For a device flow: the OAuth client's id and display name. */
  client?: { id: string; name: string };
  /** The site asking. */
  appName?: string;
  status: 'PENDING' | 'SCANNED';
  /** Seconds until the code expires. */
  expiresIn: number;
}

/** Answer of `POST /<prefix>/qrcodes/:id/confirm`. */
export interface QrLoginConfirmAnswer {
  qrcodeId: string;
  status: 'AUTHORIZED';
}

/** Answer of `POST /<prefix>/qrcodes/:id/cancel`. */
export interface QrLoginCancelAnswer {
  qrcodeId: string;
  status: 'CANCELLED';
}
