import type { QrLoginClock } from '../qr-login.clock';
import type { QrLoginRequesterView, QrLoginRiskAssessment } from './qr-login-risk.port';
import type {
  BriefUserInfo,
  JsonObject,
  QrCodeBinding,
  QrCodeFlow,
  QrCodeStatus,
  QrCodeType,
  QrRequesterInfo,
} from './qr-code.interface';

/** Answer of create (`POST /<prefix>/qrcodes`). */
export interface QrCodeCreated {
  qrcodeId: string;
  /** Data URL of the QR image (SVG or PNG, see `imageFormat`); put it in an `<img src>`. */
  url: string;
  /** The text inside the QR image. */
  payload: string;
  /** For handler types (e.g. WeChat mini program): a logo for the client to stitch onto the image. */
  customLogoUrl?: string;
  /** Seconds until the code expires. */
  expiresIn: number;
  /** With number matching on: the number to show beside the QR; the phone must pick it. */
  matchCode?: string;
  /**
   * A code to type instead of scanning, e.g. `WDJB-MJHT` (RFC 8628 §6.1),
   * resolved by `POST /<prefix>/user-codes/scan`; present unless the
   * `userCodes` option is off. Show it under the QR.
   */
  userCode?: string;
  /**
   * Proof of being the creator, for callers without cookies: send it as the
   * `x-qr-login-secret` header on status reads and ticket redemption. Keep it
   * out of the QR, of logs and of URLs.
   */
  creatorSecret: string;
}

/** The status of a code as the web page sees it. */
export interface QrCodeStatusView {
  qrcodeId: string;
  status: QrCodeStatus;
  /** Seconds left until a PENDING or SCANNED code expires. */
  expiresIn?: number;
  /** Who scanned, once SCANNED or AUTHORIZED. */
  briefUserInfo?: BriefUserInfo;
  /** Once AUTHORIZED, until redeemed, to readers the code's binding lets see it (by default only its creator). */
  ticket?: string;
  /** With number matching on, to the creator only, while PENDING or SCANNED. */
  matchCode?: string;
  /** The code to type instead of scanning (e.g. `WDJB-MJHT`), to the creator only, while PENDING or SCANNED (a rotation brings a new one). */
  userCode?: string;
  /** On a rotation event (creator only): the new code's image, payload and the id it replaced. */
  url?: string;
  payload?: string;
  rotatedFrom?: string;
  /** On CANCELLED: why, when not cancelled by the user (e.g. `MATCH_FAILED`). */
  cancelReason?: string;
  /** Only on `ERROR`: what went wrong. */
  code?: string;
  message?: string;
}

/** Answer of SCAN: what the phone shows before its user confirms. */
export interface QrScanResult {
  qrcodeId: string;
  status: 'SCANNED';
  /**
   * What is being approved: `qr`, a page beside the phone; `device`, a device
   * (TV, CLI) that may be anywhere: the phone should say so and ask whether
   * its user started this on a screen in front of them.
   */
  flow: QrCodeFlow;
  /** For a plugin's client (the device grant): its id and display name. */
  client?: { id: string; name: string };
  /** Seconds until the code expires: confirm before then. */
  expiresIn: number;
  /** Who asked to log in: address, parsed browser/OS/device (client-supplied, see `clientSupplied`), place when a geo database is configured. */
  requester: QrLoginRequesterView;
  /** How the browser and the phone compare: stable flag names, the facts, and the policy's verdict (`allow` or `warn`). */
  risk: QrLoginRiskAssessment;
  /**
   * With number matching on: the choices to offer; the user picks the one the
   * requesting screen shows and sends it as `matchCode` to confirm. For a QR
   * they are numbers; for a device flow the phone reached by a link they are
   * user codes (see `matchKind`). A device flow whose code was typed has none.
   */
  matchChoices?: string[];
  /** What `matchChoices` holds: `number` (a QR's match number) or `user-code` (a device's user code). */
  matchKind?: 'number' | 'user-code';
  /**
   * Present when this code must be approved with the phone's passkey: the
   * record version the challenge is derived from. The phone derives the
   * challenge from this answer (see `passkeyChallengeFrom`) and signs it.
   */
  approval?: { method: 'passkey'; version: number };
}

/**
 * What a user code asks of a phone, before it acts (`POST <prefix>/user-codes/describe`):
 * enough to say "you are signing in a device: <name>", nothing to act by (no
 * id, no choices). Reading it changes nothing.
 */
export interface QrUserCodeRequest {
  /** `device` for a device flow, `qr` for a page's code. */
  flow: QrCodeFlow;
  /** For a device flow: the OAuth client's id and display name. */
  client?: { id: string; name: string };
  /** The configured `appName`: which site asks. */
  appName?: string;
  /** PENDING, or SCANNED once a phone took it up. */
  status: 'PENDING' | 'SCANNED';
  /** Seconds until the code expires. */
  expiresIn: number;
}

/** What a plugin may know of a code to serve it (`QrLoginService.inspect`): never its secrets or ticket. */
export interface QrCodeInfo {
  qrcodeId: string;
  type: QrCodeType;
  status: QrCodeStatus;
  binding: QrCodeBinding;
  requester: QrRequesterInfo;
  /** When the code expires, ms since the epoch (kernel clock). */
  expiresAt: number;
  /** When it was scanned, ms since the epoch (kernel clock); once SCANNED. */
  scannedAt?: number;
  customData?: JsonObject;
  context?: JsonObject;
}

/** What `QrLoginService.settings` tells plugins. */
export interface QrLoginKernelSettings {
  /** Path prefix of the native routes, e.g. `qr-login`. */
  routePrefix: string;
  /** Whether codes carry a match number the phone must send to confirm. */
  numberMatching: boolean;
  /** Lifetime of a code, in ms. */
  qrCodeTtlMs: number;
  /** Lifetime of a ticket, in ms. */
  ticketTtlMs: number;
  /** Whether the app set the `issueTokenSet` hook (else logins answer `{ user }`). */
  issuesTokenSets: boolean;
  /** The kernel's clock, so plugins measure time as the kernel does. */
  clock: QrLoginClock;
  /** Whether codes get a user code to type (`userCodes` option). */
  userCodes: boolean;
}

/** What a paced poll (`QrLoginService.poll`) answers. */
export interface QrLoginPollResult {
  /** The status as the poller's proof lets it see it (the ticket included, once AUTHORIZED). */
  view: QrCodeStatusView;
  /** The poll came sooner than the interval after the previous one; the interval has grown. */
  slowDown: boolean;
  /** The interval asked of the poller from now on, ms. */
  intervalMs: number;
}
