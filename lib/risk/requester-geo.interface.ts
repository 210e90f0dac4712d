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

/**
 * Finds where an address is. Implement it over any source (a MaxMind-format
 * file with `MmdbGeoLookup`, a web service, a cache); answer undefined for an
 * address you know nothing about. It may be async; it runs once per code
 * created and once per scan, so a remote lookup should cache.
 */
export interface QrLoginGeoLookup {
  lookup(ip: string): QrLoginPlace | undefined | Promise<QrLoginPlace | undefined>;
}
