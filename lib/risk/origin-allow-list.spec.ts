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

  it('ignores whitespace around the header, and allows subdomains of a wildcard entry with a port', () => {
    expect(isAllowedOrigin('\u00a0https://app.example.com\u00a0', list)).toBe(true);
    expect(isAllowedOrigin('https://a.example.org:8443', ['https://*.example.org:8443'])).toBe(true);
    expect(isAllowedOrigin('https://a.example.org', ['https://*.example.org:8443'])).toBe(false);
  });

  it('refuses a host that is only the wildcard suffix, leading dot included', () => {
    expect(isAllowedOrigin('https://.tenants.example.net', list)).toBe(false);
  });

  it('refuses a header that is not a string (an array, a number)', () => {
    expect(isAllowedOrigin(['https://app.example.com'] as never, list)).toBe(false);
    expect(isAllowedOrigin(42 as never, list)).toBe(false);
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

  it('trims entries and keeps a wildcard entry’s scheme and port', () => {
    expect(
      normalizeOriginAllowList([
        ' https://*.example.org ',
        '\u00a0https://app.example.com/\u00a0',
        'http://*.example.org:8080',
      ]),
    ).toEqual(['https://*.example.org', 'https://app.example.com', 'http://*.example.org:8080']);
  });

  it.each(['xhttps://*.example.org', 'https://*.example.org/login', 'https://*.example.org/x/'])(
    'refuses the wildcard-like entry %j',
    (entry) => {
      expect(() => normalizeOriginAllowList([entry])).toThrow(
        `QrLoginModule is misconfigured: allowedOrigins entry "${entry}" is not an origin. Give scheme, host and optional port only, e.g. "https://app.example.com" ` +
          'or "http://localhost:3000"; the one wildcard form is "https://*.example.com" (any subdomain, not the domain itself).',
      );
    },
  );

  it.each(['', '   ', 42, null])('says an entry %j is empty rather than not an origin', (entry) => {
    expect(() => normalizeOriginAllowList([entry as never])).toThrow(
      new QrLoginConfigError('an allowedOrigins entry is empty; list origins such as "https://app.example.com".'),
    );
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
    // An empty header is no Origin: it passes unless one is required, as a missing header does.
    expect(acceptsCreateOrigin('', { allowedOrigins })).toBe(true);
  });
});
