import type { ResolvedRiskConfig } from './qr-login-risk.assessor';
import { normalizeOriginAllowList } from './origin-allow-list';
import { defaultQrLoginRiskPolicy } from './qr-login-risk.policy';
import { DEFAULT_FAR_AWAY_KM } from './requester-proximity';
import type { QrLoginRiskOptions } from './qr-login-risk-options.interface';
import { QrLoginConfigError } from '../kernel/qr-login.errors';
import { describeConfigValue, numericStringHint, refuseUnknownKeys } from '../kernel/qr-login.option-checks';

/** Injection token of the validated `risk` option (`ResolvedRiskConfig`), for the origin check on create. @internal */
export const QR_LOGIN_RISK_CONFIG = 'QR_LOGIN:RISK_CONFIG';

const RISK_KEYS = ['geo', 'assessRisk', 'farAwayKm', 'allowedOrigins', 'requireOrigin'];

/**
 * Validates the `risk` option (requester context and risk policy) and fills
 * in its defaults: the default policy, a far-away distance of
 * `DEFAULT_FAR_AWAY_KM` kilometres, origins not required.
 * @internal
 */
export function resolveRiskConfig(risk: QrLoginRiskOptions | undefined): ResolvedRiskConfig {
  const given = risk ?? {};
  if (typeof given !== 'object') {
    throw new QrLoginConfigError(
      `"risk" must be an object such as { allowedOrigins: ["https://app.example.com"] }; got ${JSON.stringify(given)}.`,
    );
  }
  refuseUnknownKeys('risk', given, RISK_KEYS);
  if (given.geo !== undefined && typeof given.geo?.lookup !== 'function') {
    throw new QrLoginConfigError(
      '"risk.geo" must implement QrLoginGeoLookup (a lookup(ip) method), e.g. await MmdbGeoLookup.open("GeoLite2-City.mmdb").',
    );
  }
  const farAwayKm = given.farAwayKm ?? DEFAULT_FAR_AWAY_KM;
  if (typeof farAwayKm !== 'number' || !(farAwayKm > 0)) {
    throw new QrLoginConfigError(
      `"risk.farAwayKm" must be a number of kilometres above 0; got ${describeConfigValue(farAwayKm)}.${numericStringHint(farAwayKm)}`,
    );
  }
  if (given.requireOrigin !== undefined && typeof given.requireOrigin !== 'boolean') {
    throw new QrLoginConfigError(
      `"risk.requireOrigin" must be true or false; got ${JSON.stringify(given.requireOrigin)}.`,
    );
  }
  if (given.assessRisk !== undefined && typeof given.assessRisk !== 'function') {
    throw new QrLoginConfigError(`"risk.assessRisk" must be a function; got ${typeof given.assessRisk}.`);
  }
  return {
    ...(given.geo ? { geo: given.geo } : {}),
    policy: given.assessRisk ?? defaultQrLoginRiskPolicy,
    farAwayKm,
    ...(given.allowedOrigins !== undefined ? { allowedOrigins: normalizeOriginAllowList(given.allowedOrigins) } : {}),
    requireOrigin: given.requireOrigin ?? false,
  };
}
