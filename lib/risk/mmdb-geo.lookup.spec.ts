import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { QrLoginConfigError } from '../kernel/qr-login.errors';
import { MmdbGeoLookup, placeFromMmdbRecord } from './mmdb-geo.lookup';

// Records in the layouts MaxMind documents for its databases, trimmed to the fields read.
describe('placeFromMmdbRecord', () => {
  it('reads a GeoLite2 / GeoIP2 City record', () => {
    const record = {
      city: { geoname_id: 2950159, names: { de: 'Berlin', en: 'Berlin', ja: 'ベルリン' } },
      country: { geoname_id: 2921044, iso_code: 'DE', names: { en: 'Germany' } },
      location: { accuracy_radius: 20, latitude: 52.5244, longitude: 13.4105, time_zone: 'Europe/Berlin' },
      registered_country: { iso_code: 'DE' },
    };
    expect(placeFromMmdbRecord(record)).toEqual({
      country: 'DE',
      city: 'Berlin',
      latitude: 52.5244,
      longitude: 13.4105,
    });
    expect(placeFromMmdbRecord(record, 'ja').city).toBe('ベルリン');
    expect(placeFromMmdbRecord(record, 'xx').city).toBe('Berlin');
  });

  it('falls back to the registered country when the country is unknown', () => {
    expect(placeFromMmdbRecord({ registered_country: { iso_code: 'NL' } })).toEqual({ country: 'NL' });
  });

  it('reads a GeoLite2 ASN record', () => {
    expect(placeFromMmdbRecord({ autonomous_system_number: 15169, autonomous_system_organization: 'GOOGLE' })).toEqual({
      asn: 15169,
      asOrg: 'GOOGLE',
    });
  });

  it('reads ASN and anonymiser traits of an Enterprise / Insights record', () => {
    const record = {
      country: { iso_code: 'us' },
      traits: {
        autonomous_system_number: 16509,
        autonomous_system_organization: 'AMAZON-02',
        is_hosting_provider: true,
      },
    };
    expect(placeFromMmdbRecord(record)).toEqual({ country: 'US', asn: 16509, asOrg: 'AMAZON-02', anonymous: true });
  });

  it.each([
    'is_anonymous',
    'is_anonymous_vpn',
    'is_public_proxy',
    'is_tor_exit_node',
    'is_residential_proxy',
    'is_hosting_provider',
  ])('marks an Anonymous IP record with %s as anonymous', (flag) => {
    expect(placeFromMmdbRecord({ [flag]: true }).anonymous).toBe(true);
  });

  it('reads the flat ip-location-db layout, ignoring empty strings', () => {
    expect(
      placeFromMmdbRecord({
        city: '',
        country_code: 'US',
        latitude: 37.751,
        longitude: -97.822,
        postcode: '',
        state1: '',
      }),
    ).toEqual({ country: 'US', latitude: 37.751, longitude: -97.822 });
  });

  it('trims names and leaves out blank ones, not as undefined fields', () => {
    expect(
      placeFromMmdbRecord({ city: '  Leeds ', country_code: ' gb ', autonomous_system_organization: ' AS ' }),
    ).toStrictEqual({
      country: 'GB',
      city: 'Leeds',
      asOrg: 'AS',
    });
    expect(
      placeFromMmdbRecord({ city: '   ', country_code: 'GB', autonomous_system_organization: '  ' }),
    ).toStrictEqual({
      country: 'GB',
    });
  });

  it('falls back past a blank name to the next one', () => {
    expect(placeFromMmdbRecord({ city: { names: { fr: '  ', en: 'Bath' } } }, 'fr')).toStrictEqual({ city: 'Bath' });
    expect(placeFromMmdbRecord({ country: { iso_code: ' ' }, country_code: 'gb' })).toStrictEqual({ country: 'GB' });
  });

  it('keeps coordinates only in pairs and drops what is not a value', () => {
    expect(placeFromMmdbRecord({ location: { latitude: 10 } })).toEqual({});
    expect(placeFromMmdbRecord({ latitude: Number.NaN, longitude: 3 })).toEqual({});
    expect(placeFromMmdbRecord({ autonomous_system_number: 0 })).toEqual({});
    expect(placeFromMmdbRecord(null)).toEqual({});
    expect(placeFromMmdbRecord('GB')).toEqual({});
    expect(placeFromMmdbRecord({ is_anonymous: false })).toEqual({});
  });
});

/*
 * The lookup over readers an app hands in (anything with get(ip), as
 * `maxmind.open()` returns); the same over real database files is in
 * test/risk/mmdb-geo.lookup.spec.ts.
 */
describe('MmdbGeoLookup over ready readers', () => {
  const city = {
    get: (ip: string) =>
      ip === '203.0.113.7' ? { city: { names: { en: 'Bath', fr: 'Bath-fr' } }, country: { iso_code: 'GB' } } : null,
  };
  const asn = {
    get: (ip: string) => (ip === '203.0.113.7' ? { autonomous_system_number: 64500, country_code: 'FR' } : null),
  };

  it('merges readers field by field, the first that knows a field winning', () => {
    expect(new MmdbGeoLookup([city, asn]).lookup('203.0.113.7')).toStrictEqual({
      country: 'GB',
      city: 'Bath',
      asn: 64500,
    });
    expect(new MmdbGeoLookup([asn, city]).lookup('203.0.113.7')).toStrictEqual({
      country: 'FR',
      asn: 64500,
      city: 'Bath',
    });
    expect(new MmdbGeoLookup(city).lookup('198.51.100.1')).toBeUndefined();
  });

  it('asks with the address normalised, and names cities in the chosen language', () => {
    expect(new MmdbGeoLookup(city, { language: 'fr' }).lookup('::ffff:203.0.113.7')?.city).toBe('Bath-fr');
    expect(new MmdbGeoLookup(city).lookup(' 203.0.113.7 ')?.city).toBe('Bath');
  });

  it('skips an IPv4-only reader for IPv6 addresses, and a reader that throws', () => {
    const asked: string[] = [];
    const v4Only = {
      metadata: { ipVersion: 4 },
      get: (ip: string) => {
        asked.push(ip);
        return { country_code: 'DE' };
      },
    };
    const v6 = { metadata: { ipVersion: 6 }, get: () => ({ country_code: 'NL' }) };
    const failing = {
      get: () => {
        throw new Error('this reader cannot answer');
      },
    };
    expect(new MmdbGeoLookup([v4Only, v6]).lookup('2001:db8::1')).toStrictEqual({ country: 'NL' });
    expect(asked).toEqual([]);
    expect(new MmdbGeoLookup([v4Only, v6]).lookup('192.0.2.1')).toStrictEqual({ country: 'DE' });
    expect(new MmdbGeoLookup([failing, v6]).lookup('192.0.2.1')).toStrictEqual({ country: 'NL' });
  });

  it('refuses no database, or one that is neither a reader nor bytes, naming which', () => {
    expect(() => new MmdbGeoLookup([])).toThrow(
      new QrLoginConfigError(
        'MmdbGeoLookup needs at least one database: a path to open, its bytes, or a ready reader.',
      ),
    );
    expect(() => new MmdbGeoLookup([city, { get: 'no' } as never])).toThrow(
      new QrLoginConfigError(
        'MmdbGeoLookup database #2 is neither a reader (an object with get(ip)) nor database bytes. Use MmdbGeoLookup.open() for file paths.',
      ),
    );
    expect(() => new MmdbGeoLookup(null as never)).toThrow(/database #1 is neither a reader/);
  });

  it('names bytes that are no database by their place in the list', () => {
    expect(() => new MmdbGeoLookup([city, new Uint8Array([1, 2, 3])])).toThrow(
      /^QrLoginModule is misconfigured: Database #2 is not a MaxMind-format \(\.mmdb\) database \(.+\)\. Give the path of a \.mmdb file, such as GeoLite2-City\.mmdb, or a ready reader\.$/,
    );
  });

  it('names a file that is no database by its path', async () => {
    const scratch = await mkdtemp(join(tmpdir(), 'qr-geo-'));
    try {
      const junk = join(scratch, 'junk.mmdb');
      await writeFile(junk, 'not a database');
      await expect(MmdbGeoLookup.open(junk)).rejects.toThrow(
        `QrLoginModule is misconfigured: "${junk}" is not a MaxMind-format (.mmdb) database`,
      );
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  });

  it('opens readers as they are, and says why a path cannot be read', async () => {
    const opened = await MmdbGeoLookup.open(city, { language: 'fr' });
    expect(opened.lookup('203.0.113.7')?.city).toBe('Bath-fr');
    await expect(MmdbGeoLookup.open(['/nonexistent/GeoLite2-City.mmdb'])).rejects.toThrow(
      new QrLoginConfigError(
        'cannot read the geo database "/nonexistent/GeoLite2-City.mmdb" (ENOENT). Check the path, relative to the working directory, and that the process may read it.',
      ),
    );
  });
});
