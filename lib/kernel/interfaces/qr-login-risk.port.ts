import type { QrCodeFlow, QrRequesterInfo } from './qr-code.interface';

/*
 * The port a scan's risk assessment plugs into. The kernel asks it once per
 * scan, before the code changes, with the facts it holds (the creating
 * browser, the scanning phone, the code, the app user) and gets back what the
 * phone is shown and the policy's verdict; a `deny` cancels the code. The
 * kernel owns these shapes because they are its scan answer; how the facts
 * are weighed (user agents, geo data, the app's policy) is the risk layer's
 * (`nestjs-qr-login/risk`), which implements the port.
 */

/**
 * Where an address is, as a geo database tells it. Every field is optional:
 * databases differ in what they hold (a country database has no city, an ASN
 * database no country), and many addresses are only partly known.
 */
export interface QrLoginPlace {
  /** ISO 3166-1 alpha-2 country code, upper case, e.g. `DE`. */
  country?: string;
  /** City name, in the lookup's language (English by default). */
  city?: string;
  /** Autonomous system number of the network, e.g. `15169`. */
  asn?: number;
  /** Organisation that holds the autonomous system, e.g. `GOOGLE`. */
  asOrg?: string;
  /** Degrees, WGS 84; only with `longitude`. City databases give the city centre, not the client. */
  latitude?: number;
  /** Degrees, WGS 84; only with `latitude`. */
  longitude?: number;
  /**
   * True when the database marks the address as an anonymiser: a VPN, a public
   * or anonymous proxy, a Tor exit or a hosting provider. Only databases with
   * such data set it (MaxMind's Anonymous IP and Enterprise, or the
   * `traits.is_anonymous*` fields); GeoLite2 City, Country and ASN never do.
   */
  anonymous?: boolean;
}

/** The browser, system and device a user-agent string claims. Every field is as the client sent it: it can be forged. */
export interface QrLoginUserAgentInfo {
  /** E.g. `{ name: 'Chrome', version: '126.0.0.0' }`; absent for clients that are not browsers (curl, bots). */
  browser?: { name?: string; version?: string };
  /** E.g. `{ name: 'Windows', version: '10' }`, `{ name: 'iOS', version: '17.5' }`. */
  os?: { name?: string; version?: string };
  /** `type` is `mobile`, `tablet`, `smarttv`, `console`, `wearable` or `embedded`; absent for desktops. */
  device?: { type?: string; vendor?: string; model?: string };
}

/**
 * The browser that created a code, as the phone is shown it on scan: the
 * kernel's facts (address, time, app name), what its user agent claims, and
 * where its address is when a geo lookup is configured.
 */
export interface QrLoginRequesterView extends QrRequesterInfo, QrLoginUserAgentInfo {
  /** Where `ip` is; only when a geo lookup is configured and knows the address. */
  place?: QrLoginPlace;
  /**
   * Names of the fields above that the browser wrote itself and could forge
   * (`userAgent`, `browser`, `os`, `device`). A phone should present them as
   * claims ("says it is Chrome on Windows"), never as verified.
   */
  clientSupplied: string[];
}

/**
 * How the browser relates to the phone. Absent fields are unknown (no
 * database, or the address is not in it), never a guessed `false`.
 */
export interface QrLoginRiskFacts {
  /** Both addresses are known and equal (IPv4-mapped IPv6 counts as IPv4). */
  sameIp: boolean;
  /** Both addresses are in one IPv4 /24 or one IPv6 /64. False across families or when one is unknown. */
  sameNetwork: boolean;
  /** Both autonomous systems are known: are they the same? */
  sameAsn?: boolean;
  /** Both countries are known: are they the same? */
  sameCountry?: boolean;
  /** Great-circle distance between the two places, in whole kilometres, when both have coordinates. */
  distanceKm?: number;
}

/**
 * The named flags of a scan. The names are part of the public contract:
 * apps and phone apps branch on them, so none is ever renamed or reused.
 */
export const QrLoginRiskFlag = {
  /** Both addresses are known and are not in one IPv4 /24 or IPv6 /64. Common and harmless on its own (a phone on mobile data). */
  DIFFERENT_NETWORK: 'different-network',
  /** Both ASNs are known and differ: the two are on different providers' networks. Needs ASN data. */
  DIFFERENT_ASN: 'different-asn',
  /** Both countries are known and differ. The classic sign of a relayed code. */
  DIFFERENT_COUNTRY: 'different-country',
  /** Both places have coordinates and are more than `farAwayKm` (500 km by default) apart. */
  FAR_AWAY: 'far-away',
  /** The database marks the browser's or the phone's address as a VPN, proxy, Tor exit or hosting provider. Needs anonymiser data. */
  ANONYMOUS_NETWORK: 'anonymous-network',
  /** A geo lookup is configured but the browser's or the phone's country is not known (private or unlisted address). */
  UNKNOWN_LOCATION: 'unknown-location',
} as const;

export type QrLoginRiskFlag = (typeof QrLoginRiskFlag)[keyof typeof QrLoginRiskFlag];

/**
 * What a policy decides about a scan:
 * - `allow`: the phone shows the request as usual;
 * - `warn`: the phone shows it with the flags as warnings, and the user may still confirm;
 * - `deny`: the scan is refused (403 `QR_RISK_DENIED`) and the code cancelled (`cancelReason: 'RISK_DENIED'`).
 */
export type QrLoginRiskVerdict = 'allow' | 'warn' | 'deny';

/** The risk of one scan: the policy's verdict with the flags and facts that led to it. */
export interface QrLoginRiskAssessment {
  verdict: QrLoginRiskVerdict;
  flags: QrLoginRiskFlag[];
  facts: QrLoginRiskFacts;
  /** `passkey` when the policy asks for a step-up: this code is approved only with the phone's passkey. */
  stepUp?: 'passkey';
}

/** What the kernel knows of a scan when it asks for the assessment. */
export interface QrLoginScanFacts {
  /** The browser that created the code, as the kernel stored it at creation. */
  requester: QrRequesterInfo;
  /** The phone's request: its address as the HTTP adapter reports it. */
  scanner: { ip?: string };
  qrcodeId: string;
  /** The app user who scans, as the app's authentication produced it. */
  appUser: unknown;
  /** `qr` (a page beside the phone) or `device` (a device flow, far away by design). */
  flow: QrCodeFlow;
}

/** What the phone learns at SCAN, before its user confirms. */
export interface QrLoginScanContext {
  requester: QrLoginRequesterView;
  risk: QrLoginRiskAssessment;
}

/**
 * The risk layer as the kernel calls it: once per scan, after the rules
 * allow the scan and before the code changes. If it throws, the scan fails
 * with that error and the code is left as it was.
 */
export interface QrLoginRiskPort {
  assess(facts: QrLoginScanFacts): Promise<QrLoginScanContext>;
}
