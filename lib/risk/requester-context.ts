import type { QrRequesterInfo } from '../kernel/interfaces/qr-code.interface';
import type { QrLoginRequesterView } from '../kernel/interfaces/qr-login-risk.port';
import { parseUserAgent } from './requester-agent.parser';
import type { QrLoginGeoLookup, QrLoginPlace } from './requester-geo.interface';

/** The requester view is the kernel's scan answer; named here too for the `/risk` entry. */
export type { QrLoginRequesterView } from '../kernel/interfaces/qr-login-risk.port';

/**
 * Asks the geo lookup about an address. A lookup that fails or answers
 * nothing leaves the place unknown: a broken database must not break logins,
 * and unknown places are flagged (`unknown-location`) rather than guessed.
 * @internal
 */
export async function lookupPlace(
  geo: QrLoginGeoLookup | undefined,
  ip: string | undefined,
): Promise<QrLoginPlace | undefined> {
  if (!geo || !ip) return undefined;
  try {
    const place = await geo.lookup(ip);
    return place && typeof place === 'object' && Object.keys(place).length ? { ...place } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Builds the `requester` of a scan answer from what the kernel stored at
 * creation. Pass `place` when it was looked up already (at creation, say);
 * otherwise it is looked up now with `geo`.
 */
export async function describeRequester(
  info: QrRequesterInfo,
  options: { geo?: QrLoginGeoLookup; place?: QrLoginPlace } = {},
): Promise<QrLoginRequesterView> {
  const view: QrLoginRequesterView = { createdAt: info.createdAt, clientSupplied: [] };
  if (info.ip !== undefined) view.ip = info.ip;
  if (info.appName !== undefined) view.appName = info.appName;
  if (info.userAgent) {
    view.userAgent = info.userAgent;
    view.clientSupplied.push('userAgent');
    const parsed = parseUserAgent(info.userAgent);
    for (const field of ['browser', 'os', 'device'] as const) {
      if (parsed[field]) {
        (view as any)[field] = parsed[field];
        view.clientSupplied.push(field);
      }
    }
  }
  const place = options.place ?? (await lookupPlace(options.geo, info.ip));
  if (place) view.place = place;
  return view;
}
