import { describe, expect, it } from 'vitest';
import { QrLoginConfigError } from '../kernel/qr-login.errors';
import { acceptsCreateOrigin, isAllowedOrigin, normalizeOriginAllowList } from './origin-allow-list';

const list = ['https://app.example.com', 'http://localhost:3000', 'https://*.tenants.example.net'];

describe('isAllowedOrigin', () => {
  it.each([
    'https://app.example.com',
    'https://APP.Example.com',
    'https://app.example.com:443',
    'https://app.example.com/',
    'http://localhost:3000',
    'https://acme.tenants.example.net',
    'https://eu.acme.tenants.example.net',
  ])('allows %s', (origin) => {
    expect(isAllowedOrigin(origin, list)).toBe(true);
  });

  it.each([
    undefined,
    '',
    'null',
    'http://app.example.com',
    'https://app.example.com:8443',
    'https://evil.example.com',
    'https://app.example.com.evil.io',
    'https://evilapp.example.com',
    'http://localhost:3001',
    'http://localhost',
    'https://tenants.example.net',
    'https://evil-tenants.example.net',
    'http://acme.tenants.example.net',
    'https://acme.tenants.example.net:8443',
    'https://app.example.com/login',
    'https://user@app.example.com',
    'file:///home/user/page.html',
    'not a url',
  ])('refuses %s', (origin) => {
    expect(isAllowedOrigin(origin as string | undefined, list)).toBe(false);
  });

  it('allows nothing with an empty list', () => {
    expect(isAllowedOrigin('https://app.example.com', [])).toBe(false);
  });
});

describe('normalizeOriginAllowList', () => {
  it('normalises case, default ports and a trailing slash', () => {
    expect(
      normalizeOriginAllowList(['HTTPS://App.Example.com:443/', 'http://localhost:3000', 'https://*.Example.org']),
    ).toEqual(['https://app.example.com', 'http://localhost:3000', 'https://*.example.org']);
  });

  it.each([
    '*',
    'https://*',
    'https://*.com',
    'https://a.*.example.com',
    'https://app.example.com/login',
    'app.example.com',
    'ftp://files.example.com',
    '',
    'https://app.example.com?x=1',
  ])('stops start-up on the entry %j with a message that shows the right form', (entry) => {
    expect(() => normalizeOriginAllowList([entry])).toThrow(QrLoginConfigError);
    expect(() => normalizeOriginAllowList([entry])).toThrow(/https:\/\/app\.example\.com/);
  });

  it('refuses a list that is not an array', () => {
    expect(() => normalizeOriginAllowList('https://app.example.com' as never)).toThrow(/must be an array/);
  });
});

describe('acceptsCreateOrigin', () => {
  it('accepts any caller without an allow-list', () => {
    expect(acceptsCreateOrigin('https://phish.example.org', {})).toBe(true);
    expect(acceptsCreateOrigin(undefined, { requireOrigin: true })).toBe(true);
  });

  it('holds browser pages to the list, and lets callers without Origin through unless required', () => {
    const allowedOrigins = ['https://app.example.com'];
    expect(acceptsCreateOrigin('https://app.example.com', { allowedOrigins })).toBe(true);
    expect(acceptsCreateOrigin('https://phish.example.org', { allowedOrigins })).toBe(false);
    expect(acceptsCreateOrigin('null', { allowedOrigins })).toBe(false);
    expect(acceptsCreateOrigin(undefined, { allowedOrigins })).toBe(true);
    expect(acceptsCreateOrigin(undefined, { allowedOrigins, requireOrigin: true })).toBe(false);
    expect(acceptsCreateOrigin('', { allowedOrigins, requireOrigin: true })).toBe(false);
  });
});
