import { describe, expect, it } from 'vitest';
import { QrLoginRiskAssessor } from './qr-login-risk.assessor';
import { resolveRiskConfig } from './qr-login-risk.config';
import type { QrLoginRiskInput, QrLoginRiskPolicy } from './qr-login-risk.policy';
import type { QrLoginGeoLookup } from './requester-geo.interface';

/*
 * The kernel's risk port with the resolved `risk` option: the browser's
 * stored facts and the phone's address, each looked up with the app's geo
 * lookup, weighed by the policy with the configured distance.
 */

const createdAt = '2026-11-30T10:00:00.000Z';
const places: Record<string, { country: string; latitude: number; longitude: number }> = {
  '192.0.2.1': { country: 'FR', latitude: 48.8566, longitude: 2.3522 },
  '198.51.100.1': { country: 'FR', latitude: 45.764, longitude: 4.8357 },
};
const geo: QrLoginGeoLookup = { lookup: (ip) => places[ip] };

function recording(): { policy: QrLoginRiskPolicy; seen: QrLoginRiskInput[] } {
  const seen: QrLoginRiskInput[] = [];
  return { seen, policy: (input) => (seen.push(input), 'allow') };
}

const facts = (scannerIp?: string) => ({
  requester: { ip: '192.0.2.1', createdAt },
  scanner: scannerIp === undefined ? {} : { ip: scannerIp },
  qrcodeId: 'q1',
  appUser: { id: 'alice' },
  flow: 'qr' as const,
});

describe('QrLoginRiskAssessor', () => {
  it('looks both sides up and hands the policy both places, the user and the code', async () => {
    const { policy, seen } = recording();
    const assessor = new QrLoginRiskAssessor(resolveRiskConfig({ geo, assessRisk: policy }));
    const { requester, risk } = await assessor.assess(facts('198.51.100.1'));
    expect(requester).toStrictEqual({
      ip: '192.0.2.1',
      createdAt,
      clientSupplied: [],
      place: places['192.0.2.1'],
    });
    expect(seen).toHaveLength(1);
    expect(seen[0].requester.place).toEqual(places['192.0.2.1']);
    expect(seen[0].scanner).toStrictEqual({ ip: '198.51.100.1', place: places['198.51.100.1'] });
    expect(seen[0]).toMatchObject({ qrcodeId: 'q1', appUser: { id: 'alice' }, flow: 'qr' });
    // Paris to Lyon: about 391 km, within the default distance.
    expect(risk).toStrictEqual({
      verdict: 'allow',
      flags: ['different-network'],
      facts: { sameIp: false, sameNetwork: false, sameCountry: true, distanceKm: 391 },
    });
  });

  it('applies the configured distance', async () => {
    const assessor = new QrLoginRiskAssessor(resolveRiskConfig({ geo, farAwayKm: 300 }));
    const { risk } = await assessor.assess(facts('198.51.100.1'));
    expect(risk.flags).toEqual(['different-network', 'far-away']);
    expect(risk.verdict).toBe('warn');
  });

  it('flags an unknown location only when a geo lookup is configured', async () => {
    const withGeo = await new QrLoginRiskAssessor(resolveRiskConfig({ geo })).assess(facts('203.0.113.50'));
    expect(withGeo.risk.flags).toContain('unknown-location');
    const { policy, seen } = recording();
    const withoutGeo = await new QrLoginRiskAssessor(resolveRiskConfig({ assessRisk: policy })).assess(facts());
    expect(withoutGeo.risk.flags).toEqual([]);
    expect(seen[0].scanner).toStrictEqual({});
    expect(withoutGeo.requester).not.toHaveProperty('place');
  });
});
