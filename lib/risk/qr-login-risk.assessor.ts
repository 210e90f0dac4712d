import {
  assessQrLoginRisk,
  defaultQrLoginRiskPolicy,
  type QrLoginRiskAssessment,
  type QrLoginRiskPolicy,
} from './qr-login-risk.policy';
import { describeRequester, lookupPlace, type QrLoginRequesterView } from './requester-context';
import type { QrLoginGeoLookup } from './requester-geo.interface';
import { DEFAULT_FAR_AWAY_KM } from './requester-proximity';
import type { QrCodeFlow, QrRequesterInfo } from '../kernel/interfaces/qr-code.interface';

/** The risk settings after validation, with defaults. */
export interface ResolvedRiskConfig {
  geo?: QrLoginGeoLookup;
  policy: QrLoginRiskPolicy;
  farAwayKm: number;
  /** Normalised allow-list; undefined for "any origin". */
  allowedOrigins?: string[];
  requireOrigin: boolean;
}

/** What the phone learns at SCAN, before its user confirms. */
export interface QrLoginScanContext {
  requester: QrLoginRequesterView;
  risk: QrLoginRiskAssessment;
}

/**
 * Describes who asked to log in (parsed browser, place) and weighs it
 * against where the phone is, with the app's policy. Runs once per scan,
 * before the code changes, so a `deny` can cancel it instead.
 */
export class QrLoginRiskAssessor {
  constructor(private readonly config: ResolvedRiskConfig) {}

  async assess(
    requesterInfo: QrRequesterInfo,
    scanner: { ip?: string },
    input: { qrcodeId: string; appUser: unknown; flow: QrCodeFlow },
  ): Promise<QrLoginScanContext> {
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
