import type { QrLoginRiskPolicy } from './qr-login-risk.policy';
import type { QrLoginGeoLookup } from './requester-geo.interface';

/** Options of the requester context, proximity and risk checks. */
export interface QrLoginRiskOptions {
  /**
   * Where addresses are: `await MmdbGeoLookup.open('GeoLite2-City.mmdb')` or
   * your own `QrLoginGeoLookup`. Default: none, so the scan answer has no
   * `place` and the country, distance and ASN checks do not run.
   */
  geo?: QrLoginGeoLookup;
  /** The app's verdict on each scan. Default: `defaultQrLoginRiskPolicy` (warn on `different-country` or `far-away`; never deny). */
  assessRisk?: QrLoginRiskPolicy;
  /** Kilometres beyond which browser and phone are `far-away`. Default: 500. */
  farAwayKm?: number;
  /**
   * Origins allowed to create codes, e.g. `['https://app.example.com']`; also
   * `https://*.example.com` for any subdomain. Default: none (any origin).
   */
  allowedOrigins?: string[];
  /** Refuse creates without an `Origin` header (non-browser callers) when `allowedOrigins` is set. Default: false. */
  requireOrigin?: boolean;
}

/** The authentication method reference of a QR login session; the kernel's, named here too for the `/risk` entry. */
export { QR_LOGIN_AMR } from '../kernel/qr-login.constants';
