import type { QrLoginPlace } from '../kernel/interfaces/qr-login-risk.port';

/** A place is part of the kernel's scan answer (`requester.place`); named here too for the `/risk` entry. */
export type { QrLoginPlace } from '../kernel/interfaces/qr-login-risk.port';

/**
 * Finds where an address is. Implement it over any source (a MaxMind-format
 * file with `MmdbGeoLookup`, a web service, a cache); answer undefined for an
 * address you know nothing about. It may be async; it runs once per code
 * created and once per scan, so a remote lookup should cache.
 */
export interface QrLoginGeoLookup {
  lookup(ip: string): QrLoginPlace | undefined | Promise<QrLoginPlace | undefined>;
}
