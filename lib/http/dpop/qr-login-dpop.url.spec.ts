import { describe, expect, it } from 'vitest';
import { htuOf, requestHtuOf } from './qr-login-dpop.url';

/*
 * The URL a DPoP proof's `htu` is compared on: scheme, host and path only,
 * normalized, and nothing for what is not an absolute http(s) URL or a
 * request without a host or an origin-form path.
 */

describe('htuOf', () => {
  it('keeps scheme, host and path, lower-cases them where URLs do and drops the default port, query and fragment', () => {
    expect(htuOf('HTTPS://Login.Example.COM:443/qr-login/Token?a=1#f')).toBe(
      'https://login.example.com/qr-login/Token',
    );
    expect(htuOf('http://login.example.com:80/a')).toBe('http://login.example.com/a');
    expect(htuOf('http://login.example.com:8080')).toBe('http://login.example.com:8080/');
  });

  it('answers nothing for a relative URL, a URL that does not parse or another scheme', () => {
    for (const url of [
      '/qr-login/token',
      'not a url',
      '',
      'ftp://login.example.com/a',
      'javascript:alert(1)',
      'wss://x/y',
    ]) {
      expect(htuOf(url)).toBeUndefined();
    }
  });
});

describe('requestHtuOf', () => {
  const request = (over: Record<string, unknown>) => ({
    protocol: 'https',
    host: 'login.example.com',
    originalUrl: '/a/b?c=1',
    ...over,
  });

  it("builds the URL from the adapter's protocol, host and original path", () => {
    expect(requestHtuOf(request({}))).toBe('https://login.example.com/a/b');
    // Some adapters report the scheme with its colon.
    expect(requestHtuOf(request({ protocol: 'https:' }))).toBe('https://login.example.com/a/b');
    // Without a protocol, plain http.
    expect(requestHtuOf(request({ protocol: undefined }))).toBe('http://login.example.com/a/b');
    expect(requestHtuOf(request({ protocol: 443 }))).toBe('http://login.example.com/a/b');
    // Only a trailing colon is dropped: a colon inside is no scheme of ours.
    expect(requestHtuOf(request({ protocol: 'ht:tp' }))).toBeUndefined();
  });

  it('reads the host from the adapter, else from the Host header, and the path from originalUrl, raw.url, then url', () => {
    expect(requestHtuOf(request({ host: undefined, headers: { host: 'h.example.com:8443' } }))).toBe(
      'https://h.example.com:8443/a/b',
    );
    expect(requestHtuOf(request({ host: 'adapter.example.com', headers: { host: 'header.example.com' } }))).toBe(
      'https://adapter.example.com/a/b',
    );
    expect(requestHtuOf(request({ originalUrl: undefined, raw: { url: '/raw' }, url: '/url' }))).toBe(
      'https://login.example.com/raw',
    );
    expect(requestHtuOf(request({ originalUrl: undefined, url: '/url' }))).toBe('https://login.example.com/url');
    expect(requestHtuOf(request({ originalUrl: '/orig', raw: { url: '/raw' }, url: '/url' }))).toBe(
      'https://login.example.com/orig',
    );
  });

  it('answers nothing without a host, without a path, or for a path that is not origin-form', () => {
    expect(requestHtuOf(undefined)).toBeUndefined();
    expect(requestHtuOf({})).toBeUndefined();
    expect(requestHtuOf({ host: 'login.example.com' })).toBeUndefined();
    expect(requestHtuOf(request({ host: '' }))).toBeUndefined();
    expect(requestHtuOf(request({ host: '', headers: { host: 'h.example.com' } }))).toBeUndefined();
    expect(requestHtuOf(request({ host: undefined, headers: {} }))).toBeUndefined();
    expect(requestHtuOf(request({ host: ['login.example.com'] }))).toBeUndefined();
    expect(requestHtuOf(request({ host: undefined }))).toBeUndefined();
    // An absolute-form target would let the client pick the URL the proof is compared with.
    expect(requestHtuOf(request({ originalUrl: 'https://evil.example.com/a/b' }))).toBeUndefined();
    expect(requestHtuOf(request({ originalUrl: '*' }))).toBeUndefined();
    expect(requestHtuOf(request({ originalUrl: ['/a/b'] }))).toBeUndefined();
    expect(requestHtuOf(request({ originalUrl: undefined }))).toBeUndefined();
  });
});
