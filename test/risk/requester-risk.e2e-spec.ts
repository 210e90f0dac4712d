import type { INestApplication } from '@nestjs/common';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ADAPTERS } from '../app/test-app';
import { request } from '../support/http';
import { MmdbGeoLookup } from '../../lib/risk';
import { GEO_CITY_IPV4, GEO_CITY_IPV6, KNOWN_PLACES } from './geo-database';
import { RiskEdgeModule, riskEdgeSettings } from './risk-edge.app';
import { startWhoAmIApp } from './trust-proxy.app';

const PAGE = 'https://app.example.com';
const CHROME_ON_WINDOWS =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';

describe.each(ADAPTERS)('requester context and risk over real HTTP on %s, behind a trusted proxy', (adapter) => {
  let server: { app: INestApplication; url: string };
  let geo: MmdbGeoLookup;

  beforeAll(async () => {
    geo = await MmdbGeoLookup.open([GEO_CITY_IPV4, GEO_CITY_IPV6]);
    server = await startWhoAmIApp(adapter, true, RiskEdgeModule);
  });
  afterAll(() => server?.app.close());
  beforeEach(() => {
    riskEdgeSettings.current = { geo, allowedOrigins: [PAGE] };
  });

  const create = (from: string, origin: string | null = PAGE) =>
    request<{ id: string; code?: string }>(`${server.url}/edge/codes`, {
      method: 'POST',
      headers: { 'x-forwarded-for': from, 'user-agent': CHROME_ON_WINDOWS, ...(origin ? { origin } : {}) },
    });
  const scan = (id: string, from: string) =>
    request(`${server.url}/edge/codes/${id}/scan`, { method: 'POST', json: {}, headers: { 'x-forwarded-for': from } });

  it('shows the phone a browser in another country, far away, with the documented flags and distance', async () => {
    const created = await create(KNOWN_PLACES.japan.ip);
    expect(created.status).toBe(201);
    const scanned = await scan(created.body.id, KNOWN_PLACES.britain.ip);
    expect(scanned.status).toBe(201);
    expect(scanned.body.requester).toMatchObject({
      ip: KNOWN_PLACES.japan.ip,
      userAgent: CHROME_ON_WINDOWS,
      browser: { name: 'Chrome' },
      os: { name: 'Windows' },
      place: { country: 'JP', city: 'Minoh' },
      clientSupplied: ['userAgent', 'browser', 'os'],
    });
    expect(scanned.body.risk.verdict).toBe('warn');
    expect(scanned.body.risk.flags).toEqual(['different-network', 'different-country', 'far-away']);
    expect(scanned.body.risk.facts).toMatchObject({ sameIp: false, sameNetwork: false, sameCountry: false });
    // Osaka to Bracknell is about 9,500 km; the city centres the database gives are what is measured.
    expect(scanned.body.risk.facts.distanceKm).toBeGreaterThan(9000);
    expect(scanned.body.risk.facts.distanceKm).toBeLessThan(10000);
  });

  it('raises nothing for a phone on the same network as the browser', async () => {
    const created = await create(KNOWN_PLACES.britain.ip);
    const scanned = await scan(created.body.id, KNOWN_PLACES.britainSameNetwork.ip);
    expect(scanned.body.risk).toEqual({
      verdict: 'allow',
      flags: [],
      facts: { sameIp: false, sameNetwork: true, sameCountry: true, distanceKm: 0 },
    });
  });

  it('cancels the code with the reason when the policy denies, and the phone gets 403 QR_RISK_DENIED', async () => {
    riskEdgeSettings.current!.policy = ({ flags }) => (flags.includes('different-country') ? 'deny' : 'allow');
    const created = await create(KNOWN_PLACES.japan.ip);
    const scanned = await scan(created.body.id, KNOWN_PLACES.britain.ip);
    expect(scanned.status).toBe(403);
    expect(scanned.body).toMatchObject({ statusCode: 403, code: 'QR_RISK_DENIED' });
    expect(scanned.body.message).toMatch(/refused for safety/);
    const status = await request(`${server.url}/edge/codes/${created.body.id}/status`, { method: 'POST' });
    expect(status.body).toEqual({ status: 'CANCELLED', cancelReason: 'RISK_DENIED' });
  });

  it('refuses a create from a foreign Origin when the allow-list is set, and one without an Origin when it is required', async () => {
    const foreign = await create(KNOWN_PLACES.britain.ip, 'https://phish.example.org');
    expect(foreign.status).toBe(403);
    expect(foreign.body).toMatchObject({ code: 'QR_ORIGIN_NOT_ALLOWED' });
    expect((foreign.body as any).message).toContain('https://phish.example.org');
    expect((await create(KNOWN_PLACES.britain.ip, PAGE)).status).toBe(201);
    // A caller without Origin (a native app, a server) passes unless requireOrigin is on.
    expect((await create(KNOWN_PLACES.britain.ip, null)).status).toBe(201);
    riskEdgeSettings.current!.requireOrigin = true;
    const none = await create(KNOWN_PLACES.britain.ip, null);
    expect(none.status).toBe(403);
    expect(none.body).toMatchObject({ code: 'QR_ORIGIN_NOT_ALLOWED' });
    expect((none.body as any).message).toMatch(/no Origin header/);
  });
});
