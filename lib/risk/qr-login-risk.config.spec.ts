import { describe, expect, it } from 'vitest';
import { QrLoginConfigError } from '../kernel/qr-login.errors';
import { defaultQrLoginRiskPolicy } from './qr-login-risk.policy';
import { resolveRiskConfig } from './qr-login-risk.config';
import { DEFAULT_FAR_AWAY_KM } from './requester-proximity';

describe('the risk option', () => {
  it('fills in the defaults when left out', () => {
    expect(resolveRiskConfig(undefined)).toEqual({
      policy: defaultQrLoginRiskPolicy,
      farAwayKm: DEFAULT_FAR_AWAY_KM,
      requireOrigin: false,
    });
  });

  it('keeps what is given, origins normalised', () => {
    const assessRisk = () => 'deny' as const;
    const config = resolveRiskConfig({
      farAwayKm: 100,
      assessRisk,
      allowedOrigins: ['https://App.Example.com/'],
      requireOrigin: true,
    });
    expect(config).toMatchObject({ farAwayKm: 100, policy: assessRisk, requireOrigin: true });
    expect(config.allowedOrigins).toEqual(['https://app.example.com']);
  });

  it.each([
    [{ farAway: 10 }, /"risk\.farAway" is not an option; did you mean "farAwayKm"\?/],
    [{ farAwayKm: '10' }, /"risk\.farAwayKm" must be a number of kilometres above 0; got the string "10"/],
    [{ farAwayKm: 0 }, /"risk\.farAwayKm" must be a number of kilometres above 0/],
    [{ geo: {} }, /"risk\.geo" must implement QrLoginGeoLookup/],
    [{ requireOrigin: 'yes' }, /"risk\.requireOrigin" must be true or false/],
    [{ assessRisk: 'deny' }, /"risk\.assessRisk" must be a function/],
  ])('refuses %j with a start-up error saying how to fix it', (risk, message) => {
    expect(() => resolveRiskConfig(risk as never)).toThrow(QrLoginConfigError);
    expect(() => resolveRiskConfig(risk as never)).toThrow(message);
  });

  it('keeps a geo lookup as given, and sets no geo without one', () => {
    const geo = { lookup: () => undefined };
    expect(resolveRiskConfig({ geo }).geo).toBe(geo);
    expect(resolveRiskConfig({})).not.toHaveProperty('geo');
  });

  it.each([null, false])('refuses a geo of %j as a start-up error', (geo) => {
    expect(() => resolveRiskConfig({ geo } as never)).toThrow(/"risk\.geo" must implement QrLoginGeoLookup/);
  });

  it.each([
    ['strict', '"strict"'],
    [42, '42'],
  ])('refuses a risk option of %j that is no object', (risk, shown) => {
    expect(() => resolveRiskConfig(risk as never)).toThrow(
      new QrLoginConfigError(
        `"risk" must be an object such as { allowedOrigins: ["https://app.example.com"] }; got ${shown}.`,
      ),
    );
  });

  it('takes every documented key', () => {
    const geo = { lookup: () => undefined };
    const assessRisk = () => 'allow' as const;
    expect(
      resolveRiskConfig({
        geo,
        assessRisk,
        farAwayKm: 50,
        allowedOrigins: ['https://a.example.com'],
        requireOrigin: true,
      }),
    ).toStrictEqual({
      geo,
      policy: assessRisk,
      farAwayKm: 50,
      allowedOrigins: ['https://a.example.com'],
      requireOrigin: true,
    });
  });
});
