import { describe, expect, it } from 'vitest';
import { assessQrLoginRisk, defaultQrLoginRiskPolicy, type QrLoginRiskInput } from './qr-login-risk.policy';

const paris = { country: 'FR', latitude: 48.8566, longitude: 2.3522 };
const lyon = { country: 'FR', latitude: 45.764, longitude: 4.8357 };
const brussels = { country: 'BE', latitude: 50.8503, longitude: 4.3517 };
const tokyo = { country: 'JP', latitude: 35.6762, longitude: 139.6503 };

const input = (flags: QrLoginRiskInput['flags']): QrLoginRiskInput => ({
  flags,
  facts: { sameIp: false, sameNetwork: false },
  requester: {},
  scanner: {},
});

describe('defaultQrLoginRiskPolicy', () => {
  it.each([
    [[], 'allow'],
    [['different-network'], 'allow'],
    [['different-network', 'different-asn'], 'allow'],
    [['anonymous-network'], 'allow'],
    [['unknown-location'], 'allow'],
    [['different-country'], 'warn'],
    [['far-away'], 'warn'],
    [['different-network', 'different-asn', 'different-country', 'far-away', 'anonymous-network'], 'warn'],
  ] as const)('answers %j with %s, and never deny', (flags, verdict) => {
    expect(defaultQrLoginRiskPolicy(input([...flags]))).toBe(verdict);
  });
});

describe('assessQrLoginRisk', () => {
  it('warns by default on a browser in another country, far away', async () => {
    const result = await assessQrLoginRisk({
      requester: { ip: '192.0.2.1', place: tokyo },
      scanner: { ip: '198.51.100.1', place: paris },
    });
    expect(result.verdict).toBe('warn');
    expect(result.flags).toEqual(['different-network', 'different-country', 'far-away']);
    expect(result.facts.distanceKm).toBeGreaterThan(9000);
  });

  it('allows by default a neighbouring country within the distance', async () => {
    const near = await assessQrLoginRisk({
      requester: { ip: '192.0.2.1', place: paris },
      scanner: { ip: '192.0.2.9', place: lyon },
    });
    expect(near).toMatchObject({ verdict: 'allow', flags: [] });
    const border = await assessQrLoginRisk({
      requester: { ip: '192.0.2.1', place: brussels },
      scanner: { ip: '192.0.2.9', place: paris },
    });
    expect(border).toMatchObject({ verdict: 'warn', flags: ['different-country'] });
  });

  it('hands an async policy the flags, facts, both sides and the user, and keeps its verdict', async () => {
    let seen: QrLoginRiskInput | undefined;
    const result = await assessQrLoginRisk(
      {
        requester: { ip: '192.0.2.1', place: tokyo, browser: { name: 'Chrome' } },
        scanner: { ip: '198.51.100.1', place: paris },
        appUser: { id: 'u1', admin: true },
        qrcodeId: 'q1',
      },
      async (given) => {
        seen = given;
        await new Promise((resolve) => setImmediate(resolve));
        return (given.appUser as { admin: boolean }).admin && given.flags.includes('different-country')
          ? 'deny'
          : 'allow';
      },
    );
    expect(result.verdict).toBe('deny');
    expect(seen?.flags).toEqual(['different-network', 'different-country', 'far-away']);
    expect(seen?.requester.browser?.name).toBe('Chrome');
    expect(seen?.scanner.place?.country).toBe('FR');
    expect(seen?.qrcodeId).toBe('q1');
  });

  it('applies the far-away threshold', async () => {
    const sides = { requester: { ip: '192.0.2.1', place: paris }, scanner: { ip: '192.0.2.9', place: lyon } };
    expect((await assessQrLoginRisk(sides, undefined, { farAwayKm: 100 })).flags).toEqual(['far-away']);
  });

  it('cannot be tampered with through the arrays it hands the policy', async () => {
    const result = await assessQrLoginRisk(
      { requester: { ip: '192.0.2.1', place: tokyo }, scanner: { ip: '198.51.100.1', place: paris } },
      (given) => {
        given.flags.length = 0;
        return 'warn';
      },
    );
    expect(result.flags).toContain('different-country');
  });

  it.each([undefined, 'block', 1, null])(
    'refuses a policy answer of %j with a message that lists the verdicts',
    async (answer) => {
      await expect(assessQrLoginRisk({ requester: {}, scanner: {} }, () => answer as never)).rejects.toThrow(
        /must return \(or resolve to\) 'allow', 'warn' or 'deny'/,
      );
    },
  );

  it('says what the policy returned, as JSON', async () => {
    await expect(assessQrLoginRisk({ requester: {}, scanner: {} }, () => 'maybe' as never)).rejects.toThrow(
      new TypeError(
        `The assessRisk policy returned "maybe"; it must return (or resolve to) 'allow', 'warn' or 'deny', or { verdict, stepUp: 'passkey' }.`,
      ),
    );
  });

  it('keeps a passkey step-up, refuses any other, and adds none unasked', async () => {
    const sides = { requester: {}, scanner: {} };
    expect(await assessQrLoginRisk(sides, () => ({ verdict: 'warn', stepUp: 'passkey' }))).toStrictEqual({
      verdict: 'warn',
      stepUp: 'passkey',
      flags: [],
      facts: { sameIp: false, sameNetwork: false },
    });
    expect(await assessQrLoginRisk(sides, () => ({ verdict: 'allow' }))).toStrictEqual({
      verdict: 'allow',
      flags: [],
      facts: { sameIp: false, sameNetwork: false },
    });
    await expect(assessQrLoginRisk(sides, () => ({ verdict: 'warn', stepUp: 'sms' }) as never)).rejects.toThrow(
      /returned \{"verdict":"warn","stepUp":"sms"\}/,
    );
    await expect(assessQrLoginRisk(sides, () => ({ verdict: 'block' }) as never)).rejects.toThrow(TypeError);
  });

  it.each(['allow', 'warn', 'deny'] as const)('takes %s from a policy', async (verdict) => {
    expect((await assessQrLoginRisk({ requester: {}, scanner: {} }, () => verdict)).verdict).toBe(verdict);
  });
});
