import { describe, expect, it } from 'vitest';
import { compareRequesters, distanceKm } from './requester-proximity';

const berlin = { country: 'DE', latitude: 52.52, longitude: 13.405, asn: 3320 };
const potsdam = { country: 'DE', latitude: 52.3906, longitude: 13.0645, asn: 3320 };
const munich = { country: 'DE', latitude: 48.1351, longitude: 11.582, asn: 3209 };
const paris = { country: 'FR', latitude: 48.8566, longitude: 2.3522, asn: 3215 };
const tokyo = { country: 'JP', latitude: 35.6762, longitude: 139.6503, asn: 2516 };

describe('distanceKm', () => {
  it.each([
    [berlin, paris, 878],
    [paris, tokyo, 9712],
    [berlin, berlin, 0],
  ])('measures great-circle distances (%#)', (a, b, km) => {
    expect(Math.abs(distanceKm(a, b) - km)).toBeLessThan(5);
  });
});

describe('compareRequesters', () => {
  it('raises nothing for two devices on one home network', () => {
    const result = compareRequesters({ ip: '192.0.2.10', place: berlin }, { ip: '::ffff:192.0.2.77', place: berlin });
    expect(result.flags).toEqual([]);
    expect(result.facts).toEqual({ sameIp: false, sameNetwork: true, sameAsn: true, sameCountry: true, distanceKm: 0 });
  });

  it('sees the same address through IPv4-mapped IPv6', () => {
    expect(compareRequesters({ ip: '192.0.2.10' }, { ip: '::ffff:192.0.2.10' }).facts).toEqual({
      sameIp: true,
      sameNetwork: true,
    });
  });

  it('flags only a different network for a phone on mobile data nearby', () => {
    const { flags, facts } = compareRequesters(
      { ip: '192.0.2.10', place: berlin },
      { ip: '2001:db8::1', place: potsdam },
    );
    expect(flags).toEqual(['different-network']);
    expect(facts.distanceKm).toBeLessThan(50);
  });

  it('flags a different provider', () => {
    expect(
      compareRequesters({ ip: '192.0.2.1', place: berlin }, { ip: '198.51.100.1', place: { ...potsdam, asn: 3209 } })
        .flags,
    ).toEqual(['different-network', 'different-asn']);
  });

  it('flags a different country and distance, in the documented order', () => {
    const { flags, facts } = compareRequesters({ ip: '192.0.2.1', place: tokyo }, { ip: '198.51.100.1', place: paris });
    expect(flags).toEqual(['different-network', 'different-asn', 'different-country', 'far-away']);
    expect(facts.sameCountry).toBe(false);
    expect(facts.distanceKm).toBeGreaterThan(9000);
  });

  it('uses the configured far-away threshold, strictly greater than', () => {
    const pair = [
      { ip: '192.0.2.1', place: berlin },
      { ip: '192.0.2.2', place: munich },
    ] as const;
    const km = compareRequesters(...pair).facts.distanceKm!;
    expect(km).toBeGreaterThan(480);
    expect(km).toBeLessThan(510);
    expect(compareRequesters(...pair, { farAwayKm: 100 }).flags).toContain('far-away');
    expect(compareRequesters(...pair, { farAwayKm: km }).flags).not.toContain('far-away');
    expect(compareRequesters(...pair, { farAwayKm: 1000 }).flags).not.toContain('far-away');
  });

  it('does not guess: unknown facts stay absent and raise no flag', () => {
    const { flags, facts } = compareRequesters({ ip: '192.0.2.1', place: { country: 'DE' } }, { ip: undefined });
    expect(facts).toEqual({ sameIp: false, sameNetwork: false });
    expect(flags).toEqual([]);
    expect(compareRequesters({ ip: 'garbage' }, { ip: '192.0.2.1' }).flags).toEqual([]);
  });

  it('flags an unknown location only when a geo lookup is expected to know it', () => {
    const browser = { ip: '10.0.0.5' };
    const phone = { ip: '198.51.100.1', place: paris };
    expect(compareRequesters(browser, phone).flags).toEqual(['different-network']);
    expect(compareRequesters(browser, phone, { expectLocation: true }).flags).toEqual([
      'different-network',
      'unknown-location',
    ]);
    expect(
      compareRequesters(
        { ip: '192.0.2.1', place: berlin },
        { ip: '192.0.2.2', place: berlin },
        { expectLocation: true },
      ).flags,
    ).toEqual([]);
  });

  it('flags an anonymous network on either side', () => {
    const vpn = { ...paris, anonymous: true };
    expect(compareRequesters({ ip: '192.0.2.1', place: vpn }, { ip: '192.0.2.2', place: paris }).flags).toEqual([
      'anonymous-network',
    ]);
    expect(compareRequesters({ ip: '192.0.2.1', place: paris }, { ip: '192.0.2.2', place: vpn }).flags).toEqual([
      'anonymous-network',
    ]);
  });
});

describe('compareRequesters with half a position', () => {
  it('measures no distance unless both sides have a latitude and a longitude', () => {
    for (const half of [{ latitude: 52.52 }, { longitude: 13.405 }]) {
      const { facts, flags } = compareRequesters({ place: { country: 'DE', ...half } }, { place: tokyo });
      expect(facts).not.toHaveProperty('distanceKm');
      expect(flags).not.toContain('far-away');
      expect(compareRequesters({ place: tokyo }, { place: { country: 'DE', ...half } }).facts).not.toHaveProperty(
        'distanceKm',
      );
    }
  });
});
