import { describe, expect, it } from 'vitest';
import { placeFromMmdbRecord } from './mmdb-geo.lookup';

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

  it('keeps coordinates only in pairs and drops what is not a value', () => {
    expect(placeFromMmdbRecord({ location: { latitude: 10 } })).toEqual({});
    expect(placeFromMmdbRecord({ latitude: Number.NaN, longitude: 3 })).toEqual({});
    expect(placeFromMmdbRecord({ autonomous_system_number: 0 })).toEqual({});
    expect(placeFromMmdbRecord(null)).toEqual({});
    expect(placeFromMmdbRecord('GB')).toEqual({});
    expect(placeFromMmdbRecord({ is_anonymous: false })).toEqual({});
  });
});
