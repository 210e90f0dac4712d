import type { QrLoginPlace } from './requester-geo.interface';
import { QrLoginRiskFlag, type QrLoginRiskFacts } from '../kernel/interfaces/qr-login-risk.port';
import { isSameIp, isSameNetwork, normalizeIp } from './requester-network';

/**
 * One end of a QR login: the browser that created the code, or the phone that
 * scanned it. `ip` as the HTTP adapter reports it (`trust proxy` applies);
 * `place` from the geo lookup, when one is configured.
 */
export interface QrLoginRequesterSite {
  ip?: string;
  place?: QrLoginPlace;
}

/** The facts and flag names are the kernel's scan answer; named here too for the `/risk` entry. */
export { QrLoginRiskFlag, type QrLoginRiskFacts } from '../kernel/interfaces/qr-login-risk.port';

/** Default distance, in kilometres, beyond which browser and phone are `far-away`. */
export const DEFAULT_FAR_AWAY_KM = 500;

export interface QrLoginProximityOptions {
  /** Kilometres beyond which the two are `far-away`. Default: 500. */
  farAwayKm?: number;
  /** A geo lookup is configured, so a missing country is worth a flag (`unknown-location`). Default: false. */
  expectLocation?: boolean;
}

/** Mean Earth radius in kilometres (IUGG). */
const EARTH_RADIUS_KM = 6371.0088;

const hasCoordinates = (place?: QrLoginPlace): place is QrLoginPlace & { latitude: number; longitude: number } =>
  typeof place?.latitude === 'number' && typeof place?.longitude === 'number';

/** Great-circle (haversine) distance between two points given in degrees, in kilometres. */
export function distanceKm(
  a: { latitude: number; longitude: number },
  b: { latitude: number; longitude: number },
): number {
  const rad = Math.PI / 180;
  const dLat = (b.latitude - a.latitude) * rad;
  const dLon = (b.longitude - a.longitude) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.latitude * rad) * Math.cos(b.latitude * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(h)));
}

/**
 * Compares the browser that created a code with the phone that scans it.
 * Flags come in a fixed order (that of `QrLoginRiskFlag`); a flag is raised
 * only on known facts, so a missing database never reads as a mismatch.
 */
export function compareRequesters(
  browser: QrLoginRequesterSite,
  phone: QrLoginRequesterSite,
  options: QrLoginProximityOptions = {},
): { facts: QrLoginRiskFacts; flags: QrLoginRiskFlag[] } {
  const farAwayKm = options.farAwayKm ?? DEFAULT_FAR_AWAY_KM;
  const here = browser.place;
  const there = phone.place;

  const facts: QrLoginRiskFacts = {
    sameIp: isSameIp(browser.ip, phone.ip),
    sameNetwork: isSameNetwork(browser.ip, phone.ip),
  };
  if (here?.asn !== undefined && there?.asn !== undefined) facts.sameAsn = here.asn === there.asn;
  if (here?.country && there?.country) facts.sameCountry = here.country.toUpperCase() === there.country.toUpperCase();
  if (hasCoordinates(here) && hasCoordinates(there)) facts.distanceKm = Math.round(distanceKm(here, there));

  const bothAddresses = normalizeIp(browser.ip) !== undefined && normalizeIp(phone.ip) !== undefined;
  const flags: QrLoginRiskFlag[] = [];
  if (bothAddresses && !facts.sameNetwork) flags.push(QrLoginRiskFlag.DIFFERENT_NETWORK);
  if (facts.sameAsn === false) flags.push(QrLoginRiskFlag.DIFFERENT_ASN);
  if (facts.sameCountry === false) flags.push(QrLoginRiskFlag.DIFFERENT_COUNTRY);
  if (facts.distanceKm !== undefined && facts.distanceKm > farAwayKm) flags.push(QrLoginRiskFlag.FAR_AWAY);
  if (here?.anonymous || there?.anonymous) flags.push(QrLoginRiskFlag.ANONYMOUS_NETWORK);
  if (options.expectLocation && (!here?.country || !there?.country)) flags.push(QrLoginRiskFlag.UNKNOWN_LOCATION);
  return { facts, flags };
}
