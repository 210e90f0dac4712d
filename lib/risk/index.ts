/*
 * `nestjs-qr-login/risk`: where a login comes from. The requester's context
 * (agent, network, place), how far apart the browser and the phone are, the
 * risk policy that allows, warns or denies a scan, and the origin allow-list.
 * The module uses these itself; an app imports them to write its own policy
 * or geo lookup.
 */
export { IPV4_NETWORK_BITS, IPV6_NETWORK_BITS, isSameNetwork, networkKeyOf, networkOf } from './requester-network';
export { parseUserAgent, type QrLoginUserAgentInfo } from './requester-agent.parser';
export type { QrLoginGeoLookup, QrLoginPlace } from './requester-geo.interface';
export {
  MmdbGeoLookup,
  type MmdbGeoLookupOptions,
  type QrLoginMmdbReader,
  type QrLoginMmdbSource,
} from './mmdb-geo.lookup';
export {
  DEFAULT_FAR_AWAY_KM,
  QrLoginRiskFlag,
  compareRequesters,
  distanceKm,
  type QrLoginProximityOptions,
  type QrLoginRequesterSite,
  type QrLoginRiskFacts,
} from './requester-proximity';
export {
  QR_LOGIN_RISK_DENIED_REASON,
  assessQrLoginRisk,
  defaultQrLoginRiskPolicy,
  type QrLoginRiskAssessment,
  type QrLoginRiskInput,
  type QrLoginRiskAnswer,
  type QrLoginRiskPolicy,
  type QrLoginRiskVerdict,
} from './qr-login-risk.policy';
export { describeRequester, type QrLoginRequesterView } from './requester-context';
export { acceptsCreateOrigin, isAllowedOrigin, normalizeOriginAllowList } from './origin-allow-list';
export { QR_LOGIN_AMR, type QrLoginRiskOptions } from './qr-login-risk-options.interface';
