import type { QrLoginUserAgentInfo } from './requester-agent.parser';
import type { QrCodeFlow } from '../kernel/interfaces/qr-code.interface';
import type { QrLoginRiskAssessment, QrLoginRiskVerdict } from '../kernel/interfaces/qr-login-risk.port';
import {
  compareRequesters,
  QrLoginRiskFlag,
  type QrLoginProximityOptions,
  type QrLoginRequesterSite,
  type QrLoginRiskFacts,
} from './requester-proximity';

/** The verdicts, assessment and denied reason are the kernel's scan answer; named here too for the `/risk` entry. */
export { QR_LOGIN_RISK_DENIED_REASON } from '../kernel/qr-login.constants';
export type { QrLoginRiskAssessment, QrLoginRiskVerdict } from '../kernel/interfaces/qr-login-risk.port';

/** Everything a policy may weigh. */
export interface QrLoginRiskInput {
  /** The named flags raised, in a fixed order; see `QrLoginRiskFlag`. */
  flags: QrLoginRiskFlag[];
  /** The facts behind them. */
  facts: QrLoginRiskFacts;
  /** The browser that created the code: its address, place and what its user agent claims (client-supplied). */
  requester: QrLoginRequesterSite & QrLoginUserAgentInfo & { userAgent?: string };
  /** The phone that scans: its address and place. */
  scanner: QrLoginRequesterSite;
  /** The id of the code being scanned. */
  qrcodeId?: string;
  /**
   * What is being approved: `qr`, a page that should be beside the phone;
   * `device`, a device flow (OAuth device grant), where the device may be far
   * away by design and a phone sent a link may be a phishing victim (RFC 8628 §5.4).
   */
  flow?: QrCodeFlow;
  /** The app user who scans, as the app's authentication produced it (e.g. to be stricter for administrators). */
  appUser?: unknown;
}

/**
 * The app's say on a scan, run after the facts are known and before the phone
 * sees the request. It may be async (a lookup in the app's own records); if it
 * throws, the scan fails with that error and the code is left as it was.
 */
export type QrLoginRiskPolicy = (input: QrLoginRiskInput) => QrLoginRiskAnswer | Promise<QrLoginRiskAnswer>;

/**
 * A policy's answer: a verdict, or a verdict with a step-up, e.g.
 * `{ verdict: 'warn', stepUp: 'passkey' }` when a flag is raised: the code is
 * then approved only with the phone's passkey, whatever the `approval` option says.
 */
export type QrLoginRiskAnswer = QrLoginRiskVerdict | { verdict: QrLoginRiskVerdict; stepUp?: 'passkey' };

/** Flags the default policy warns about. */
const DEFAULT_WARN_FLAGS: ReadonlySet<QrLoginRiskFlag> = new Set([
  QrLoginRiskFlag.DIFFERENT_COUNTRY,
  QrLoginRiskFlag.FAR_AWAY,
]);

/**
 * The default policy: `warn` when browser and phone are in different
 * countries or far apart (`different-country`, `far-away`), `allow`
 * otherwise, and never `deny`. Deliberately mild: a traveller's laptop on
 * hotel Wi-Fi and a phone on home-country roaming look exactly like a relay,
 * so only the user can tell them apart, and the warning puts it in front of
 * them. Apps that know their users stay in one country can deny instead:
 *
 * ```ts
 * assessRisk: (input) => (input.flags.includes('different-country') ? 'deny' : defaultQrLoginRiskPolicy(input)),
 * ```
 */
export const defaultQrLoginRiskPolicy: QrLoginRiskPolicy = ({ flags }) =>
  flags.some((flag) => DEFAULT_WARN_FLAGS.has(flag)) ? 'warn' : 'allow';

const VERDICTS: ReadonlySet<string> = new Set(['allow', 'warn', 'deny']);

/**
 * Compares browser and phone, then asks the policy (the default one when none
 * is given). A policy answering anything but `allow`, `warn` or `deny` is a
 * bug in the app, reported as such rather than read as either.
 */
export async function assessQrLoginRisk(
  input: Omit<QrLoginRiskInput, 'flags' | 'facts'>,
  policy: QrLoginRiskPolicy = defaultQrLoginRiskPolicy,
  options: QrLoginProximityOptions = {},
): Promise<QrLoginRiskAssessment> {
  const { facts, flags } = compareRequesters(input.requester, input.scanner, options);
  const answer = await policy({ ...input, flags: [...flags], facts: { ...facts } });
  const verdict = typeof answer === 'object' && answer !== null ? answer.verdict : answer;
  const stepUp = typeof answer === 'object' && answer !== null ? answer.stepUp : undefined;
  if (typeof verdict !== 'string' || !VERDICTS.has(verdict) || (stepUp !== undefined && stepUp !== 'passkey')) {
    throw new TypeError(
      `The assessRisk policy returned ${JSON.stringify(answer) ?? String(answer)}; it must return (or resolve to) 'allow', 'warn' or 'deny', or { verdict, stepUp: 'passkey' }.`,
    );
  }
  return { verdict, flags, facts, ...(stepUp ? { stepUp } : {}) };
}
