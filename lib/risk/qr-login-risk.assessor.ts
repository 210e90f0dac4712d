import { assessQrLoginRisk, defaultQrLoginRiskPolicy, type QrLoginRiskPolicy } from './qr-login-risk.policy';
import { describeRequester, lookupPlace } from './requester-context';
import type { QrLoginGeoLookup } from './requester-geo.interface';
import { DEFAULT_FAR_AWAY_KM } from './requester-proximity';
import type { QrLoginRiskPort, QrLoginScanContext, QrLoginScanFacts } from '../kernel/interfaces/qr-login-risk.port';

/** The risk settings after validation, with defaults. */
export interface ResolvedRiskConfig {
  geo?: QrLoginGeoLookup;
  policy: QrLoginRiskPolicy;
  farAwayKm: number;
  /** Normalised allow-list; undefined for "any origin". */
  allowedOrigins?: string[];
  requireOrigin: boolean;
}

/**
 * Describes who asked to log in (parsed browser, place) and weighs it
 * against where the phone is, with the app's policy: the kernel's risk port.
 * Runs once per scan, before the code changes, so a `deny` can cancel it instead.
 * @internal
 */
export class QrLoginRiskAssessor implements QrLoginRiskPort {
  constructor(private readonly config: ResolvedRiskConfig) {}

  async assess({ requester: requesterInfo, scanner, ...input }: QrLoginScanFacts): Promise<QrLoginScanContext> {
    const { geo, policy, farAwayKm } = this.config;
    const [requester, scannerPlace] = await Promise.all([
      describeRequester(requesterInfo, { geo }),
      lookupPlace(geo, scanner.ip),
    ]);
    const site = { ...(scanner.ip ? { ip: scanner.ip } : {}), ...(scannerPlace ? { place: scannerPlace } : {}) };
    const risk = await assessQrLoginRisk({ requester, scanner: site, ...input }, policy ?? defaultQrLoginRiskPolicy, {
      farAwayKm: farAwayKm ?? DEFAULT_FAR_AWAY_KM,
      expectLocation: geo !== undefined,
    });
    return { requester, risk };
  }
}
