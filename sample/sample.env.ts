import { trimSlashes } from './sample.settings';

export type SampleAdapter = 'express' | 'fastify';

/** The sample's settings as `npm start` reads them from the environment. */
export interface SampleEnv {
  adapter: SampleAdapter;
  port: number;
  /** Interface to listen on; undefined means all of them, so a phone on the LAN can reach the sample. */
  host: string | undefined;
  publicUrl: string;
  jwtSecret: string | undefined;
  /** The page shows a number the phone must pick before confirming. On unless `NUMBER_MATCHING=false`. */
  numberMatching: boolean;
  /** Paths of MaxMind-format (`.mmdb`) databases, so the phone sees where a login comes from; empty for none. */
  geoDatabases: string[];
  /** Express `trust proxy` / Fastify `trustProxy`: which proxies' `X-Forwarded-For` to believe; undefined for none. */
  trustProxy: boolean | string | undefined;
  /** The module's rate limits (and its cap on streams per address); off only for load tests from one address. */
  rateLimit: boolean;
}

/**
 * Reads `PORT` (default 3000), `HTTP_ADAPTER` (`express` or `fastify`,
 * default express), `HOST`, `PUBLIC_URL` (default `http://localhost:<PORT>`)
 * `JWT_SECRET`, `NUMBER_MATCHING` (`true`/`false`, default true: the sample
 * shows the defended flow; turn it off to try GenAuth's SDKs, which cannot
 * send the number), `GEO_DB` (path of an `.mmdb` file, or several separated
 * by commas, e.g. an IPv4 and an IPv6 file), `TRUST_PROXY` (`true`, or
 * addresses/subnets such as `loopback` or `10.0.0.0/8`; default: none) and
 * `RATE_LIMIT` (`on`/`off`, default on; `off` is for load tests from one
 * address). A bad value stops the start with a message saying which.
 */
export function readSampleEnv(env: NodeJS.ProcessEnv): SampleEnv {
  const portText = env.PORT?.trim() || '3000';
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65_535) {
    throw new Error(`PORT must be a port number from 0 to 65535; got "${env.PORT}".`);
  }
  const adapterText = (env.HTTP_ADAPTER?.trim() || 'express').toLowerCase();
  if (adapterText !== 'express' && adapterText !== 'fastify') {
    throw new Error(`HTTP_ADAPTER must be "express" or "fastify"; got "${env.HTTP_ADAPTER}".`);
  }
  const publicUrl = trimSlashes(env.PUBLIC_URL?.trim() || `http://localhost:${port}`);
  if (!/^https?:\/\/[^/]+/i.test(publicUrl)) {
    throw new Error(`PUBLIC_URL must be an http(s) origin such as "https://qr.example.com"; got "${env.PUBLIC_URL}".`);
  }
  const matchingText = (env.NUMBER_MATCHING?.trim() || 'true').toLowerCase();
  if (!['true', '1', 'on', 'false', '0', 'off'].includes(matchingText)) {
    throw new Error(`NUMBER_MATCHING must be "true" or "false"; got "${env.NUMBER_MATCHING}".`);
  }
  const rateLimitText = (env.RATE_LIMIT?.trim() || 'on').toLowerCase();
  if (!['true', '1', 'on', 'false', '0', 'off'].includes(rateLimitText)) {
    throw new Error(`RATE_LIMIT must be "on" or "off" ("off" only for load tests); got "${env.RATE_LIMIT}".`);
  }
  return {
    adapter: adapterText,
    port,
    host: env.HOST?.trim() || undefined,
    publicUrl,
    jwtSecret: env.JWT_SECRET || undefined,
    numberMatching: ['true', '1', 'on'].includes(matchingText),
    geoDatabases: (env.GEO_DB ?? '')
      .split(',')
      .map((path) => path.trim())
      .filter(Boolean),
    trustProxy: readTrustProxy(env.TRUST_PROXY),
    rateLimit: ['true', '1', 'on'].includes(rateLimitText),
  };
}

/**
 * `TRUST_PROXY` as both adapters take it: `true` (every hop; only when the
 * sample is reachable through the proxy alone), or a comma-separated list of
 * addresses, subnets or `loopback`/`linklocal`/`uniquelocal` (the proxies).
 */
function readTrustProxy(text: string | undefined): boolean | string | undefined {
  const value = text?.trim();
  if (!value || ['false', 'off'].includes(value.toLowerCase())) return undefined;
  if (['true', 'on'].includes(value.toLowerCase())) return true;
  if (!/^[\w.:/,\s-]+$/.test(value) || /^\d+$/.test(value)) {
    throw new Error(
      `TRUST_PROXY must be true, or the proxies' addresses/subnets such as "loopback" or "10.0.0.0/8"; got "${text}".`,
    );
  }
  return value;
}
