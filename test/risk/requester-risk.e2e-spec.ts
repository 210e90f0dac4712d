import type { Subscription } from 'rxjs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
// From the package's main entry, as an app imports them.
import {
  defaultQrLoginRiskPolicy,
  MmdbGeoLookup,
  type QrLoginGeoLookup,
  type QrLoginRiskInput,
  type QrLoginRiskPolicy,
} from '../../lib/risk';
import { QrLoginService, type QrLoginContext, type QrLoginEvent } from '../../lib';
import { ADAPTERS, APP_USERS, createTestApp } from '../app/test-app';
import { asUser, creatorHeader, request } from '../support/http';
import { describeMatrix } from '../support/matrix';
import { openSse, statusesOf } from '../support/sse';
import { GEO_CITY_IPV4, GEO_CITY_IPV6, KNOWN_PLACES } from './geo-database';

/*
 * The requester context and the risk policy on the real module, over every
 * store and both adapters, with the app behind a trusted proxy on loopback:
 * `X-Forwarded-For` says where each request comes from, and the real
 * GeoLite2 City database says where that is.
 */

const PAGE = 'https://app.example.com';
const CHROME_ON_WINDOWS =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';

/** Opens the database on first use, so the module options can be given before any test runs. */
let opening: Promise<MmdbGeoLookup> | undefined;
const geo: QrLoginGeoLookup = {
  lookup: async (ip) => (await (opening ??= MmdbGeoLookup.open([GEO_CITY_IPV4, GEO_CITY_IPV6]))).lookup(ip),
};

/** What the policy and the hooks were handed, and the policy each test sets. */
const policyInputs: QrLoginRiskInput[] = [];
const loadUserContexts: QrLoginContext[] = [];
const tokenSetContexts: QrLoginContext[] = [];
let policy: QrLoginRiskPolicy = defaultQrLoginRiskPolicy;

const denyAcrossBorders: QrLoginRiskPolicy = (input) =>
  input.flags.includes('different-country') ? 'deny' : defaultQrLoginRiskPolicy(input);

beforeEach(() => {
  policyInputs.length = 0;
  loadUserContexts.length = 0;
  tokenSetContexts.length = 0;
  policy = defaultQrLoginRiskPolicy;
});

const from = (ip: string) => ({ 'x-forwarded-for': ip });

describeMatrix(
  'requester context and risk behind a trusted proxy',
  {
    risk: {
      geo,
      allowedOrigins: [PAGE],
      assessRisk: (input) => {
        policyInputs.push(input);
        return policy(input);
      },
    },
    loadUser: (userId, context) => {
      loadUserContexts.push(context);
      return Object.values(APP_USERS).find((user) => user.id === userId) ?? null;
    },
    issueTokenSet: (user: any, context) => {
      tokenSetContexts.push(context);
      return { access_token: `session-for-${user.id}` };
    },
  },
  (current) => {
    /** A code created by a page of the app, through a proxy that saw the browser at `ip`. */
    const create = async (ip: string) => {
      const created = await current().api.create({}, { ...from(ip), origin: PAGE, 'user-agent': CHROME_ON_WINDOWS });
      expect(created.status).toBe(201);
      return created;
    };
    const scan = (id: string, ip: string) => current().api.act(id, 'scan', { ...asUser('alice'), ...from(ip) });

    it('shows the phone a browser in another country, far away, with the documented flags and distance', async () => {
      const created = await create(KNOWN_PLACES.japan.ip);
      const scanned = await scan(created.body.qrcodeId, KNOWN_PLACES.britain.ip);
      expect(scanned.status).toBe(200);
      expect(scanned.body.status).toBe('SCANNED');
      expect(scanned.body.requester).toMatchObject({
        ip: KNOWN_PLACES.japan.ip,
        userAgent: CHROME_ON_WINDOWS,
        browser: { name: 'Chrome' },
        os: { name: 'Windows' },
        place: { country: 'JP', city: KNOWN_PLACES.japan.city },
        appName: 'Fixture Web',
        clientSupplied: ['userAgent', 'browser', 'os'],
      });
      expect(scanned.body.risk.verdict).toBe('warn');
      expect(scanned.body.risk.flags).toEqual(['different-network', 'different-country', 'far-away']);
      expect(scanned.body.risk.facts).toMatchObject({ sameIp: false, sameNetwork: false, sameCountry: false });
      // Minoh (Osaka) to Bracknell is about 9,500 km between the city centres the database gives.
      expect(scanned.body.risk.facts.distanceKm).toBeGreaterThan(9000);
      expect(scanned.body.risk.facts.distanceKm).toBeLessThan(10000);
    });

    it('hands the policy both ends: the browser with its parsed agent and place, the phone with its address and place', async () => {
      const created = await create(KNOWN_PLACES.japan.ip);
      await scan(created.body.qrcodeId, KNOWN_PLACES.britain.ip);
      expect(policyInputs).toHaveLength(1);
      const [input] = policyInputs;
      expect(input.qrcodeId).toBe(created.body.qrcodeId);
      expect(input.appUser).toMatchObject({ id: 'u-alice' });
      expect(input.requester).toMatchObject({
        ip: KNOWN_PLACES.japan.ip,
        browser: { name: 'Chrome' },
        place: { country: 'JP' },
      });
      expect(input.scanner).toMatchObject({
        ip: KNOWN_PLACES.britain.ip,
        place: { country: 'GB', city: KNOWN_PLACES.britain.city },
      });
      expect(input.scanner.place).toEqual(
        expect.objectContaining({ latitude: expect.any(Number), longitude: expect.any(Number) }),
      );
      expect(input.flags).toEqual(['different-network', 'different-country', 'far-away']);
      expect(input.facts.distanceKm).toBeGreaterThan(9000);
    });

    it('raises nothing for a phone on the same network as the browser', async () => {
      const created = await create(KNOWN_PLACES.britain.ip);
      const scanned = await scan(created.body.qrcodeId, KNOWN_PLACES.britainSameNetwork.ip);
      expect(scanned.status).toBe(200);
      expect(scanned.body.requester.place).toMatchObject({ country: 'GB' });
      expect(scanned.body.risk).toEqual({
        verdict: 'allow',
        flags: [],
        facts: { sameIp: false, sameNetwork: true, sameCountry: true, distanceKm: 0 },
      });
    });

    it('on deny: 403 QR_RISK_DENIED, the code cancelled, the page (poll and stream) sees CANCELLED with the reason, audit says refused', async () => {
      policy = denyAcrossBorders;
      const created = await create(KNOWN_PLACES.japan.ip);
      const id = created.body.qrcodeId;
      const events: QrLoginEvent[] = [];
      const subscription: Subscription = current()
        .app.get(QrLoginService)
        .events$.subscribe((event) => events.push(event));
      const stream = await openSse(current().api.eventsUrl(id), creatorHeader(created));
      try {
        await stream.waitForEvents(1);
        const scanned = await scan(id, KNOWN_PLACES.britain.ip);
        expect(scanned.status).toBe(403);
        expect(scanned.body).toMatchObject({ statusCode: 403, code: 'QR_RISK_DENIED' });
        expect(scanned.body.message).toMatch(/refused for safety/);

        await stream.ended;
        expect(statusesOf(stream)).toEqual(['PENDING', 'CANCELLED']);
        expect(JSON.parse(stream.events[1].data)).toMatchObject({ status: 'CANCELLED', cancelReason: 'RISK_DENIED' });
        const polled = await current().api.status(id, creatorHeader(created));
        expect(polled.body).toMatchObject({ status: 'CANCELLED', cancelReason: 'RISK_DENIED' });
        expect(polled.body).not.toHaveProperty('ticket');
        // Cancelled for good: the phone cannot come back and scan again.
        expect((await scan(id, KNOWN_PLACES.britainSameNetwork.ip)).body.code).toBe('QR_WRONG_STATE');
      } finally {
        stream.close();
        subscription.unsubscribe();
      }
      expect(events).toContainEqual(
        expect.objectContaining({
          type: 'refused',
          qrcodeId: id,
          action: 'SCAN',
          code: 'QR_RISK_DENIED',
          userId: 'u-alice',
        }),
      );
      expect(events).toContainEqual(expect.objectContaining({ type: 'cancelled', qrcodeId: id, code: 'RISK_DENIED' }));
      expect(events.some((event) => event.type === 'scanned' && event.qrcodeId === id)).toBe(false);
    });

    it('a deny policy lets a nearby phone through', async () => {
      policy = denyAcrossBorders;
      const created = await create(KNOWN_PLACES.britain.ip);
      const scanned = await scan(created.body.qrcodeId, KNOWN_PLACES.britainSameNetwork.ip);
      expect(scanned.status).toBe(200);
      expect(scanned.body.risk.verdict).toBe('allow');
    });

    it('refuses a create from a foreign Origin with 403 QR_ORIGIN_NOT_ALLOWED, and takes one from the page', async () => {
      const foreign = await current().api.create(
        {},
        { ...from(KNOWN_PLACES.britain.ip), origin: 'https://phish.example.org' },
      );
      expect(foreign.status).toBe(403);
      expect(foreign.body).toMatchObject({ statusCode: 403, code: 'QR_ORIGIN_NOT_ALLOWED' });
      expect(foreign.body.message).toContain('https://phish.example.org');
      expect(foreign.headers.get('set-cookie')).toBeNull();
      expect((await current().api.create({}, { origin: PAGE })).status).toBe(201);
      // A caller without Origin (a native app, a server) passes unless requireOrigin is on.
      expect((await current().api.create({})).status).toBe(201);
    });

    it('hands loadUser, issueTokenSet and the app\'s own QrLoginGuard route amr ["qr"] and the risk of the scan', async () => {
      const { api, url } = current();
      const login = async (path: string) => {
        const created = await create(KNOWN_PLACES.japan.ip);
        const id = created.body.qrcodeId;
        expect((await scan(id, KNOWN_PLACES.britain.ip)).status).toBe(200);
        expect((await api.act(id, 'confirm', asUser('alice'))).status).toBe(200);
        const { ticket } = (await api.status(id, creatorHeader(created))).body;
        return request(`${url}${path}`, { method: 'POST', json: { ticket }, headers: creatorHeader(created) });
      };
      const expectedRisk = {
        verdict: 'warn',
        flags: ['different-network', 'different-country', 'far-away'],
        facts: expect.objectContaining({
          sameIp: false,
          sameNetwork: false,
          sameCountry: false,
          distanceKm: expect.any(Number),
        }),
      };

      const tokens = await login('/qr-login/login');
      expect(tokens.status).toBe(200);
      expect(tokens.body).toEqual({ access_token: 'session-for-u-alice' });
      expect(tokenSetContexts).toHaveLength(1);
      expect(tokenSetContexts[0]).toMatchObject({ userId: 'u-alice', flow: 'qr', amr: ['qr'], risk: expectedRisk });
      expect(loadUserContexts[0]).toMatchObject({ userId: 'u-alice', amr: ['qr'], risk: expectedRisk });

      const session = await login('/app/qr-session/context');
      expect(session.status).toBe(200);
      expect(session.body).toEqual({ sessionFor: 'u-alice', amr: ['qr'], risk: expectedRisk });
      expect(loadUserContexts).toHaveLength(2);
      expect(loadUserContexts[1]).toMatchObject({ amr: ['qr'], risk: expectedRisk });
    });

    it("assesses a SCAN through GenAuth's change-qrcode-status too, and its deny cancels the code", async () => {
      const { url } = current();
      const geneQrCode = () =>
        request(`${url}/api/v3/gene-qrcode`, {
          json: { type: 'MOBILE_APP' },
          headers: { ...from(KNOWN_PLACES.japan.ip), origin: PAGE, 'user-agent': CHROME_ON_WINDOWS },
        });
      // GenAuth's SDKs send the app user's token bare in `authorization`.
      const changeStatus = (qrcodeId: string) =>
        request(`${url}/api/v3/change-qrcode-status`, {
          json: { qrcodeId, action: 'SCAN' },
          headers: { authorization: 'token-alice', ...from(KNOWN_PLACES.britain.ip) },
        });

      const warned = (await geneQrCode()).body.data.qrcodeId;
      expect((await changeStatus(warned)).body).toMatchObject({ statusCode: 200 });
      expect(policyInputs).toHaveLength(1);
      expect(policyInputs[0]).toMatchObject({
        qrcodeId: warned,
        flags: ['different-network', 'different-country', 'far-away'],
        requester: { ip: KNOWN_PLACES.japan.ip, browser: { name: 'Chrome' }, place: { country: 'JP' } },
        scanner: { ip: KNOWN_PLACES.britain.ip, place: { country: 'GB' } },
      });

      policy = denyAcrossBorders;
      const denied = (await geneQrCode()).body.data.qrcodeId;
      const refused = await changeStatus(denied);
      // GenAuth's envelope: HTTP 200, the status and code inside.
      expect(refused.status).toBe(200);
      expect(refused.body).toMatchObject({ statusCode: 403, code: 'QR_RISK_DENIED' });
      const status = await request(`${url}/api/v3/check-qrcode-status?qrcodeId=${denied}`);
      expect(status.body.data).toMatchObject({ status: 'CANCELLED' });
      expect((await current().api.status(denied)).body).toMatchObject({
        status: 'CANCELLED',
        cancelReason: 'RISK_DENIED',
      });
    });
  },
  { trustProxy: true, genauth: { v3: true, tokenEndpointAuthMethod: 'none' } },
);

describe.each(ADAPTERS)('creates without an Origin, with requireOrigin on (%s)', (adapter) => {
  let app: Awaited<ReturnType<typeof createTestApp>>;
  beforeAll(async () => {
    app = await createTestApp({ adapter, options: { risk: { allowedOrigins: [PAGE], requireOrigin: true } } });
  });
  afterAll(() => app?.app.close());

  it("refuses a create without an Origin header and takes the page's", async () => {
    const create = (headers: Record<string, string>) => request(`${app.url}/qr-login/qrcodes`, { json: {}, headers });
    const none = await create({});
    expect(none.status).toBe(403);
    expect(none.body).toMatchObject({ code: 'QR_ORIGIN_NOT_ALLOWED' });
    expect(none.body.message).toMatch(/no Origin header/);
    expect((await create({ origin: PAGE })).status).toBe(201);
    expect((await create({ origin: 'https://app.example.com.evil.test' })).status).toBe(403);
  });
});
