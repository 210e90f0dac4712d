import { readFile } from 'node:fs/promises';
import { QrLoginConfigError } from '../kernel/qr-login.errors';
import { requireOptionalPeer } from '../kernel/qr-login.optional-peer';
import type { QrLoginGeoLookup, QrLoginPlace } from './requester-geo.interface';
import { normalizeIp } from './requester-network';

/**
 * A ready reader of a MaxMind-format (`.mmdb`) database: an `mmdb-lib`
 * `Reader`, what `maxmind.open()` returns, or anything with the same `get`.
 */
export interface QrLoginMmdbReader {
  /** The record for an address, or null when the database has none. */
  get(ip: string): unknown;
  /** `ipVersion` 4 tells the lookup not to ask this database about IPv6 addresses. */
  metadata?: { ipVersion?: number };
}

/** A database given as a file path, its bytes, or a ready reader. */
export type QrLoginMmdbSource = string | Uint8Array | QrLoginMmdbReader;

export interface MmdbGeoLookupOptions {
  /** Language of city names, as the database's `names` map keys them. Default: `en`. */
  language?: string;
}

type Json = Record<string, any>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null;
const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value.trim() ? value.trim() : undefined;
const finite = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isFinite(value) ? value : undefined;

/** Anonymiser flags of MaxMind's Anonymous IP / Enterprise layouts, top level or under `traits`. */
const ANONYMOUS_FLAGS = [
  'is_anonymous',
  'is_anonymous_proxy',
  'is_anonymous_vpn',
  'is_public_proxy',
  'is_residential_proxy',
  'is_tor_exit_node',
  'is_hosting_provider',
] as const;

/**
 * The fields of one record, from either layout in use:
 * - MaxMind GeoLite2 / GeoIP2: `country.iso_code`, `city.names.<lang>`,
 *   `location.latitude`, `autonomous_system_number` (ASN database) or
 *   `traits.autonomous_system_number`, anonymiser flags;
 * - ip-location-db (and other flat layouts): `country_code`, `city`,
 *   `latitude`, `longitude`, `autonomous_system_number`.
 * @internal
 */
export function placeFromMmdbRecord(record: unknown, language = 'en'): QrLoginPlace {
  if (!isObject(record)) return {};
  const traits: Json = isObject(record.traits) ? record.traits : {};
  const location: Json = isObject(record.location) ? record.location : {};
  const country =
    text(record.country?.iso_code) ?? text(record.registered_country?.iso_code) ?? text(record.country_code);
  const names: Json = isObject(record.city?.names) ? record.city.names : {};
  const city = text(names[language]) ?? text(names.en) ?? text(record.city);
  const latitude = finite(location.latitude) ?? finite(record.latitude);
  const longitude = finite(location.longitude) ?? finite(record.longitude);
  const asn = finite(record.autonomous_system_number) ?? finite(traits.autonomous_system_number);
  const asOrg = text(record.autonomous_system_organization) ?? text(traits.autonomous_system_organization);
  const anonymous = ANONYMOUS_FLAGS.some((flag) => record[flag] === true || traits[flag] === true);

  const place: QrLoginPlace = {};
  if (country) place.country = country.toUpperCase();
  if (city) place.city = city;
  if (asn !== undefined && asn > 0) place.asn = asn;
  if (asOrg) place.asOrg = asOrg;
  if (latitude !== undefined && longitude !== undefined) {
    place.latitude = latitude;
    place.longitude = longitude;
  }
  if (anonymous) place.anonymous = true;
  return place;
}

function loadMmdbLib(): typeof import('mmdb-lib') {
  // mmdb-lib is an optional peer, needed only by apps that open database files here.
  return requireOptionalPeer(
    () => require('mmdb-lib'),
    'mmdb-lib',
    'MmdbGeoLookup needs the "mmdb-lib" package to open database files, and it is not installed. ' +
      'Run `npm install mmdb-lib`, or pass a ready reader (e.g. from `maxmind.open()`) instead of a path.',
  );
}

function isReader(source: unknown): source is QrLoginMmdbReader {
  return isObject(source) && typeof (source as QrLoginMmdbReader).get === 'function';
}

function readerOf(bytes: Uint8Array, name: string): QrLoginMmdbReader {
  const { Reader } = loadMmdbLib();
  try {
    return new Reader(Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes));
  } catch (error) {
    throw new QrLoginConfigError(
      `${name} is not a MaxMind-format (.mmdb) database (${(error as Error).message}). ` +
        'Give the path of a .mmdb file, such as GeoLite2-City.mmdb, or a ready reader.',
    );
  }
}

/**
 * A `QrLoginGeoLookup` over one or more MaxMind-format databases: GeoLite2
 * or GeoIP2 (City, Country, ASN, Anonymous IP) or the ip-location-db files.
 * Give several to combine them (a city database and an ASN database); for
 * each field the first database that knows it wins. Lookups are synchronous
 * and in memory: the files are read once, when the lookup is opened.
 *
 * ```ts
 * const geo = await MmdbGeoLookup.open(['GeoLite2-City.mmdb', 'GeoLite2-ASN.mmdb']);
 * ```
 */
export class MmdbGeoLookup implements QrLoginGeoLookup {
  private readonly readers: QrLoginMmdbReader[];
  private readonly language: string;

  /** From ready readers (or database bytes); use `open` for file paths. */
  constructor(
    sources: Exclude<QrLoginMmdbSource, string> | Exclude<QrLoginMmdbSource, string>[],
    options: MmdbGeoLookupOptions = {},
  ) {
    const list = Array.isArray(sources) ? sources : [sources];
    if (!list.length) {
      throw new QrLoginConfigError(
        'MmdbGeoLookup needs at least one database: a path to open, its bytes, or a ready reader.',
      );
    }
    this.readers = list.map((source, index) => {
      if (isReader(source)) return source;
      if (source instanceof Uint8Array) return readerOf(source, `Database #${index + 1}`);
      throw new QrLoginConfigError(
        `MmdbGeoLookup database #${index + 1} is neither a reader (an object with get(ip)) nor database bytes. ` +
          'Use MmdbGeoLookup.open() for file paths.',
      );
    });
    this.language = options.language ?? 'en';
  }

  /** Opens databases given as file paths (read once, now), bytes or ready readers. */
  static async open(
    sources: QrLoginMmdbSource | QrLoginMmdbSource[],
    options: MmdbGeoLookupOptions = {},
  ): Promise<MmdbGeoLookup> {
    const list = Array.isArray(sources) ? sources : [sources];
    const readers = await Promise.all(
      list.map(async (source) => {
        if (typeof source !== 'string') return source;
        let bytes: Buffer;
        try {
          bytes = await readFile(source);
        } catch (error) {
          throw new QrLoginConfigError(
            `cannot read the geo database "${source}" (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}). ` +
              'Check the path, relative to the working directory, and that the process may read it.',
          );
        }
        return readerOf(bytes, `"${source}"`);
      }),
    );
    return new MmdbGeoLookup(readers as Exclude<QrLoginMmdbSource, string>[], options);
  }

  /** Where `ip` is, merged over the databases; undefined when it is not an address or no database knows it. */
  lookup(ip: string): QrLoginPlace | undefined {
    const address = normalizeIp(ip);
    if (!address) return undefined;
    const isV6 = address.includes(':');
    const merged: QrLoginPlace = {};
    for (const reader of this.readers) {
      if (isV6 && reader.metadata?.ipVersion === 4) continue;
      let record: unknown;
      try {
        record = reader.get(address);
      } catch {
        // A reader that cannot answer for this address (e.g. IPv6 in an IPv4-only file) simply does not know it.
        continue;
      }
      const place = placeFromMmdbRecord(record, this.language);
      for (const [key, value] of Object.entries(place) as [keyof QrLoginPlace, never][]) {
        if (merged[key] === undefined) merged[key] = value;
      }
    }
    return Object.keys(merged).length ? merged : undefined;
  }
}
