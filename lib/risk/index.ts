export * from './requester-network';
export { parseUserAgent, type QrLoginUserAgentInfo } from './requester-agent.parser';
export * from './requester-geo.interface';
export {
  MmdbGeoLookup,
  type MmdbGeoLookupOptions,
  type QrLoginMmdbReader,
  type QrLoginMmdbSource,
} from './mmdb-geo.lookup';
export * from './requester-proximity';
export * from './qr-login-risk.policy';
export { describeRequester, lookupPlace, type QrLoginRequesterView } from './requester-context';
export { acceptsCreateOrigin, isAllowedOrigin, normalizeOriginAllowList } from './origin-allow-list';
export * from './qr-login-risk-options.interface';
