import { UAParser } from 'ua-parser-js';
import type { QrLoginUserAgentInfo } from '../kernel/interfaces/qr-login-risk.port';

/** What a user agent claims is part of the kernel's scan answer; named here too for the `/risk` entry. */
export type { QrLoginUserAgentInfo } from '../kernel/interfaces/qr-login-risk.port';

/*
 * The user-agent parser is ua-parser-js 1.x: MIT-licensed and still patched,
 * with the widest coverage of in-app browsers (WeChat, Samsung Internet) of
 * the maintained parsers. Its 2.x line is AGPL or commercial, which a library
 * cannot impose on the apps that use it, so the dependency stays on ^1.
 */

/**
 * Longest user agent parsed, in characters; the kernel stores at most 512, and longer ones are padding or an attack.
 * @internal
 */
export const MAX_PARSED_USER_AGENT_LENGTH = 512;

function compact<T extends Record<string, string | undefined>>(fields: T): Partial<T> | undefined {
  const kept = Object.entries(fields).filter(([, value]) => typeof value === 'string' && value.length > 0);
  return kept.length ? (Object.fromEntries(kept) as Partial<T>) : undefined;
}

/**
 * What a `User-Agent` header says about the browser that sent it, for the
 * phone to show ("Chrome on Windows"). Returns `{}` for an empty header.
 */
export function parseUserAgent(userAgent: string | undefined): QrLoginUserAgentInfo {
  if (typeof userAgent !== 'string' || !userAgent.trim()) return {};
  const parsed = new UAParser(userAgent.slice(0, MAX_PARSED_USER_AGENT_LENGTH)).getResult();
  const info: QrLoginUserAgentInfo = {};
  const browser = compact({ name: parsed.browser.name, version: parsed.browser.version });
  const os = compact({ name: parsed.os.name, version: parsed.os.version });
  const device = compact({ type: parsed.device.type, vendor: parsed.device.vendor, model: parsed.device.model });
  if (browser) info.browser = browser;
  if (os) info.os = os;
  if (device) info.device = device;
  return info;
}
