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
});
