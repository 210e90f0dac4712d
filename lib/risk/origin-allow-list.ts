import { QrLoginConfigError } from '../kernel/qr-login.errors';

/*
 * Browsers send `Origin` on every POST; a page cannot forge it. Refusing codes
 * created from pages that are not the app's means a phishing page cannot ask
 * this server for a live code to relay from its own script (it can still
 * screen-scrape the real page, which the proximity checks are for).
 */

/** An allow-list entry, compiled: an exact origin, or a scheme + port with a domain whose subdomains match. */
type OriginRule = { exact: string } | { protocol: string; port: string; suffix: string };

function parseOrigin(text: string): URL | undefined {
  try {
    const url = new URL(text);
    const bare = url.pathname === '/' && !url.search && !url.hash && !url.username && !url.password;
    return bare && (url.protocol === 'http:' || url.protocol === 'https:') ? url : undefined;
  } catch {
    return undefined;
  }
}

function compileEntry(entry: string): OriginRule {
  if (typeof entry !== 'string' || !entry.trim()) {
    throw new QrLoginConfigError('an allowedOrigins entry is empty; list origins such as "https://app.example.com".');
  }
  const text = entry.trim().replace(/\/$/, '');
  const wildcard = /^(https?):\/\/\*\.([^/*]+)$/i.exec(text);
  if (wildcard) {
    const url = parseOrigin(`${wildcard[1]}://${wildcard[2]}`);
    // At least two labels after "*." so "https://*.com" cannot allow every site.
    if (url && url.hostname.split('.').length >= 2 && !url.hostname.startsWith('[')) {
      return { protocol: url.protocol, port: url.port, suffix: `.${url.hostname}` };
    }
  } else if (!text.includes('*')) {
    const url = parseOrigin(text);
    if (url) return { exact: url.origin };
  }
  throw new QrLoginConfigError(
    `allowedOrigins entry "${entry}" is not an origin. Give scheme, host and optional port only, e.g. "https://app.example.com" ` +
      'or "http://localhost:3000"; the one wildcard form is "https://*.example.com" (any subdomain, not the domain itself).',
  );
}

/**
 * Checks and normalises an allow-list once, at start-up, so a typo stops the
 * app with a message instead of refusing every login. Entries are origins
 * (`https://app.example.com`, `http://localhost:3000`) or `https://*.example.com`
 * for any subdomain of `example.com` on that scheme and port (not the apex,
 * and never a bare `*`).
 */
export function normalizeOriginAllowList(allowList: readonly string[]): string[] {
  if (!Array.isArray(allowList)) {
    throw new QrLoginConfigError('allowedOrigins must be an array of origins, e.g. ["https://app.example.com"].');
  }
  return allowList.map((entry) => {
    const rule = compileEntry(entry);
    return 'exact' in rule ? rule.exact : `${rule.protocol}//*${rule.suffix}${rule.port ? `:${rule.port}` : ''}`;
  });
}

/**
 * True when `origin` (a request's `Origin` header) is on the list. An absent
 * header, the opaque origin `null` (sandboxed frames, `file:` pages) and
 * anything that is not a bare http(s) origin never match. Matching ignores
 * case and default ports (`https://App.example.com:443` is
 * `https://app.example.com`). Entries that are not origins throw; check the
 * list at start-up with `normalizeOriginAllowList`.
 */
export function isAllowedOrigin(origin: string | undefined, allowList: readonly string[]): boolean {
  if (typeof origin !== 'string' || !origin || origin === 'null') return false;
  const url = parseOrigin(origin.trim());
  if (!url) return false;
  return allowList.some((entry) => {
    const rule = compileEntry(entry);
    if ('exact' in rule) return rule.exact === url.origin;
    return (
      url.protocol === rule.protocol &&
      url.port === rule.port &&
      url.hostname.endsWith(rule.suffix) &&
      url.hostname.length > rule.suffix.length
    );
  });
}

/**
 * The create route's rule: with no `allowedOrigins`, any caller; with a list,
 * a browser page must be on it, and a request without `Origin` (a native app,
 * a server, curl) passes unless `requireOrigin` is on. Browsers always send
 * `Origin` on a cross-origin POST, so a phishing page cannot drop it.
 */
export function acceptsCreateOrigin(
  origin: string | undefined,
  options: { allowedOrigins?: readonly string[]; requireOrigin?: boolean },
): boolean {
  if (!options.allowedOrigins) return true;
  if (origin === undefined || origin === '') return !options.requireOrigin;
  return isAllowedOrigin(origin, options.allowedOrigins);
}
