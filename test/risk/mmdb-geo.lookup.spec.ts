import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Reader } from 'mmdb-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MmdbGeoLookup } from '../../lib/risk/mmdb-geo.lookup';
import { QrLoginConfigError } from '../../lib/kernel/qr-login.errors';
import { GEO_CITY_IPV4, GEO_CITY_IPV6, KNOWN_PLACES } from './geo-database';

describe('MmdbGeoLookup over a real GeoLite2 City database', () => {
  let geo: MmdbGeoLookup;
  let scratch: string;

  beforeAll(async () => {
    geo = await MmdbGeoLookup.open([GEO_CITY_IPV4, GEO_CITY_IPV6]);
    scratch = await mkdtemp(join(tmpdir(), 'qr-geo-'));
  });
  afterAll(() => rm(scratch, { recursive: true, force: true }));

  it('finds the country, city and coordinates of public addresses in two countries', () => {
    const britain = geo.lookup(KNOWN_PLACES.britain.ip);
    const japan = geo.lookup(KNOWN_PLACES.japan.ip);
    expect(britain).toMatchObject({ country: 'GB', city: 'Bracknell' });
    expect(japan).toMatchObject({ country: 'JP', city: 'Minoh' });
    expect(britain!.latitude).toBeCloseTo(51.4, 1);
    expect(britain!.longitude).toBeCloseTo(-0.76, 1);
    expect(japan!.latitude).toBeCloseTo(34.86, 1);
    // This database has no ASN and no anonymiser data: those fields stay absent rather than guessed.
    expect(britain).not.toHaveProperty('asn');
    expect(britain).not.toHaveProperty('anonymous');
  });

  it('answers IPv6 from the IPv6 file and IPv4-mapped IPv6 from the IPv4 file', () => {
    expect(geo.lookup(KNOWN_PLACES.usV6.ip)?.country).toBe('US');
    expect(geo.lookup(`::ffff:${KNOWN_PLACES.japan.ip}`)?.country).toBe('JP');
  });

  it('knows nothing of private, loopback or malformed addresses', () => {
    expect(geo.lookup('10.1.2.3')).toBeUndefined();
    expect(geo.lookup('127.0.0.1')).toBeUndefined();
    expect(geo.lookup('::1')).toBeUndefined();
    expect(geo.lookup('not-an-ip')).toBeUndefined();
  });

  it('skips an IPv4-only database for IPv6 addresses instead of failing', async () => {
    const v4Only = await MmdbGeoLookup.open(GEO_CITY_IPV4);
    expect(v4Only.lookup(KNOWN_PLACES.usV6.ip)).toBeUndefined();
    expect(v4Only.lookup(KNOWN_PLACES.britain.ip)?.country).toBe('GB');
  });

  it('takes a ready reader or the database bytes as well as a path', () => {
    const bytes = readFileSync(GEO_CITY_IPV4);
    expect(new MmdbGeoLookup(new Reader(bytes)).lookup(KNOWN_PLACES.japan.ip)?.country).toBe('JP');
    expect(new MmdbGeoLookup(bytes).lookup(KNOWN_PLACES.britain.ip)?.city).toBe('Bracknell');
  });

  it('merges databases field by field, the first that knows a field winning', () => {
    // An ASN source in GeoLite2-ASN layout next to the city database, as an app combines City and ASN files.
    const asnSource = {
      get: (ip: string) =>
        ip === KNOWN_PLACES.britain.ip
          ? { autonomous_system_number: 20712, autonomous_system_organization: 'Andrews & Arnold Ltd' }
          : null,
    };
    const combined = new MmdbGeoLookup([new Reader(readFileSync(GEO_CITY_IPV4)), asnSource]);
    expect(combined.lookup(KNOWN_PLACES.britain.ip)).toMatchObject({
      country: 'GB',
      city: 'Bracknell',
      asn: 20712,
      asOrg: 'Andrews & Arnold Ltd',
    });
    expect(combined.lookup(KNOWN_PLACES.japan.ip)).not.toHaveProperty('asn');
  });

  it('refuses a missing file or one that is not a database with a message that says what to give', async () => {
    await expect(MmdbGeoLookup.open(join(scratch, 'absent.mmdb'))).rejects.toThrow(QrLoginConfigError);
    await expect(MmdbGeoLookup.open(join(scratch, 'absent.mmdb'))).rejects.toThrow(
      /cannot read the geo database.*ENOENT/,
    );
    const junk = join(scratch, 'junk.mmdb');
    await writeFile(junk, 'not a database');
    await expect(MmdbGeoLookup.open(junk)).rejects.toThrow(/is not a MaxMind-format \(\.mmdb\) database/);
    expect(() => new MmdbGeoLookup([])).toThrow(/at least one database/);
    expect(() => new MmdbGeoLookup([{} as never])).toThrow(/neither a reader/);
  });
});
