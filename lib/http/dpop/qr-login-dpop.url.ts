/*
 * The request's URL as the app sees it, for a DPoP proof's `htu` (RFC 9449
 * §4.3): scheme, host and path, without query or fragment. Scheme and host
 * come from the adapter, so the app's trust-proxy setting decides whether
 * `X-Forwarded-Proto` / `X-Forwarded-Host` count (Express `trust proxy`,
 * Fastify `trustProxy`), exactly as it does for the client address.
 */

/** Scheme, host and path of a URL, normalized (lower-case scheme and host, default port dropped); undefined when it is not an absolute http(s) URL. */
export function htuOf(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return undefined;
  return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
}

/** The URL a proof for this request must name (`htu`), or undefined when the request has no host. */
export function requestHtuOf(request: any): string | undefined {
  const protocol = typeof request?.protocol === 'string' ? request.protocol.replace(/:$/, '') : 'http';
  // Express 5 and Fastify 5 both expose `host` with its port, after the trust-proxy rules.
  const host: unknown = request?.host ?? request?.headers?.host;
  if (typeof host !== 'string' || host === '') return undefined;
  const path: unknown = request?.originalUrl ?? request?.raw?.url ?? request?.url;
  if (typeof path !== 'string' || !path.startsWith('/')) return undefined;
  return htuOf(`${protocol}://${host}${path}`);
}
