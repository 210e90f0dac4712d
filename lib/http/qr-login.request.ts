import { parse as parseCookies, serialize as serializeCookie } from 'cookie';
import type { AbstractHttpAdapter } from '@nestjs/core';
import { QR_LOGIN_SECRET_HEADER } from '../kernel/qr-login.constants';
import type { ResolvedQrLoginConfig } from '../kernel/qr-login.config';
import { hashSecret } from '../kernel/qr-login.ids';

/*
 * Request helpers that work the same on Express and Fastify, so the
 * controller, the guards and the strategy never touch adapter specifics.
 */

/** A header as one string (the first value of a repeated header). */
export function headerOf(request: any, name: string): string | undefined {
  const value = request?.headers?.[name];
  return Array.isArray(value) ? value[0] : typeof value === 'string' ? value : undefined;
}

/** The client address as the adapter reports it (honours the app's trust-proxy setting). @internal */
export function ipOf(request: any): string | undefined {
  return request?.ip ?? request?.socket?.remoteAddress;
}

/**
 * Each creator gets its own cookie, named after a prefix of its secret's hash,
 * so two tabs creating codes at once do not overwrite each other's secret.
 * @internal
 */
export function creatorCookieName(config: ResolvedQrLoginConfig, creatorSecretHash: string): string {
  return `${config.cookie.name}_${creatorSecretHash.slice(0, 12)}`;
}

/**
 * The creator secrets a request carries: the `x-qr-login-secret` header and
 * every creator cookie. The service tries each against the code's hash, so
 * the record need not be read first to pick the right cookie.
 * @internal
 */
export function creatorSecretsOf(request: any, config: ResolvedQrLoginConfig): string[] {
  const header = headerOf(request, QR_LOGIN_SECRET_HEADER);
  const cookieHeader = headerOf(request, 'cookie');
  const secrets = header ? [header] : [];
  if (cookieHeader) {
    const prefix = `${config.cookie.name}_`;
    for (const [name, value] of Object.entries(parseCookies(cookieHeader))) {
      if (name.startsWith(prefix) && value) secrets.push(value);
    }
  }
  return secrets;
}

function isHttps(request: any): boolean {
  return request?.protocol === 'https' || request?.socket?.encrypted === true;
}

/** Sets the HttpOnly creator cookie for a new code; it lives as long as the code and its ticket can. @internal */
export function setCreatorCookie(
  adapter: AbstractHttpAdapter,
  request: any,
  response: any,
  config: ResolvedQrLoginConfig,
  creatorSecret: string,
): void {
  const cookie = serializeCookie(creatorCookieName(config, hashSecret(creatorSecret)), creatorSecret, {
    httpOnly: true,
    sameSite: config.cookie.sameSite,
    secure: config.cookie.secure === 'auto' ? isHttps(request) : config.cookie.secure,
    path: config.cookie.path,
    maxAge: Math.ceil((config.qrCodeTtlMs + config.ticketTtlMs) / 1000),
  });
  adapter.appendHeader(response, 'Set-Cookie', cookie);
}
