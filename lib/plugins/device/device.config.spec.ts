import { describe, expect, it } from 'vitest';
import { QrLoginDeviceGrantConfigError, resolveDeviceGrantConfig } from './device.config';
import type { QrLoginDeviceGrantModuleOptions } from './device-options.interface';

/* The device grant's options exactly at and one past each bound, and each client method's needs. */

/** 'ok', or the start of the configuration error's message after the module's prefix. */
function verdict(options: unknown): string {
  try {
    resolveDeviceGrantConfig(options as QrLoginDeviceGrantModuleOptions);
    return 'ok';
  } catch (error) {
    if (!(error instanceof QrLoginDeviceGrantConfigError)) throw error;
    return error.message.replace('QrLoginDeviceGrantModule is misconfigured: ', '');
  }
}

const CLI = { clientId: 'my-cli' };

describe('resolveDeviceGrantConfig', () => {
  it.each<[unknown, string]>([
    [undefined, 'ok'],
    [1, 'ok'],
    [60, 'ok'],
    [0, '"interval" must be a whole number of seconds from 1 to 60; got 0.'],
    [61, '"interval" must be a whole number of seconds from 1 to 60; got 61.'],
    [1.5, '"interval" must be a whole number of seconds from 1 to 60; got 1.5.'],
    ['5', '"interval" must be a whole number of seconds from 1 to 60; got "5".'],
  ])('interval %j → %s', (interval, expected) => {
    expect(verdict({ clients: [CLI], ...(interval === undefined ? {} : { interval }) })).toBe(expected);
  });

  it('defaults the interval to 5 s, and holds no issuer member when none is given', () => {
    expect(resolveDeviceGrantConfig({ clients: [CLI] })).toStrictEqual({
      clients: expect.any(Map),
      verificationUri: expect.any(Function),
      intervalSeconds: 5,
    });
  });

  it('takes a clientId of exactly 200 characters and refuses 201 or none', () => {
    expect(verdict({ clients: [{ clientId: 'c'.repeat(200) }] })).toBe('ok');
    expect(verdict({ clients: [{ clientId: 'c'.repeat(201) }] })).toMatch(/^"clients\[0\]\.clientId" must be/);
    expect(verdict({ clients: [{ clientId: '' }] })).toMatch(/^"clients\[0\]\.clientId" must be/);
    expect(verdict({ clients: [CLI, { clientId: 7 }] })).toMatch(/^"clients\[1\]\.clientId" must be/);
  });

  it('infers the method from the secret and names each client by its id in the binding', () => {
    const config = resolveDeviceGrantConfig({ clients: [CLI, { clientId: 'server', clientSecret: 's3cret' }] });
    // A public client holds no clientSecret member at all, not even an undefined one.
    expect(config.clients.get('my-cli')).toStrictEqual({
      clientId: 'my-cli',
      name: 'my-cli',
      method: 'none',
      bindingClient: 'device:my-cli',
    });
    expect(config.clients.get('server')).toStrictEqual({
      clientId: 'server',
      name: 'server',
      clientSecret: 's3cret',
      method: 'client_secret_basic',
      bindingClient: 'device:server',
    });
  });

  it.each<[unknown, string]>([
    [{ clientId: 'a', tokenEndpointAuthMethod: 'client_secret_post' }, 'uses client_secret_post, which needs'],
    [
      { clientId: 'a', clientSecret: '', tokenEndpointAuthMethod: 'client_secret_basic' },
      'uses client_secret_basic, which needs',
    ],
    [{ clientId: 'a', clientSecret: 'x', tokenEndpointAuthMethod: 'none' }, 'is a public client'],
    [
      { clientId: 'a', tokenEndpointAuthMethod: 'private_key_jwt' },
      'must be one of none, client_secret_post, client_secret_basic',
    ],
  ])('refuses %j', (client, message) => {
    expect(verdict({ clients: [client] })).toContain(message);
  });

  it('refuses no options, no clients and a client listed twice', () => {
    expect(verdict(undefined)).toMatch(/^no options were given/);
    expect(verdict({ clients: [] })).toMatch(/^"clients" must list at least one client/);
    expect(verdict({ clients: [CLI, CLI] })).toBe('client "my-cli" is listed twice; list each clientId once.');
  });

  it('takes issuer and verificationUri as absolute http(s) URLs, without a trailing slash', () => {
    const config = resolveDeviceGrantConfig({ clients: [CLI], issuer: 'https://login.example.com/' });
    expect(config.issuer?.()).toBe('https://login.example.com');
    expect(config.verificationUri('https://login.example.com')).toBe('https://login.example.com/device');
    expect(verdict({ clients: [CLI], issuer: 'login.example.com' })).toMatch(/^"issuer" must be an absolute http/);
    expect(verdict({ clients: [CLI], verificationUri: '/device' })).toMatch(/^"verificationUri" must be an absolute/);
    expect(verdict({ clients: [CLI], issuer: 42 })).toMatch(/^"issuer" must be a URL string or a function/);
  });
});

describe('resolveDeviceGrantConfig, every refusal of a client and of the URLs', () => {
  it('names its errors and prefixes the module, so the log says which module to fix', () => {
    const error = new QrLoginDeviceGrantConfigError('x');
    expect(error.name).toBe('QrLoginDeviceGrantConfigError');
    expect(error.message).toBe('QrLoginDeviceGrantModule is misconfigured: x');
  });

  it('refuses options that are no object, and a client that is none', () => {
    expect(verdict('clients')).toMatch(/^no options were given/);
    expect(verdict(null)).toMatch(/^no options were given/);
    expect(verdict({ clients: 'my-cli' })).toMatch(/^"clients" must list at least one client/);
    expect(verdict({ clients: [null] })).toMatch(/^"clients\[0\]\.clientId" must be/);
    expect(verdict({ clients: ['my-cli'] })).toMatch(/^"clients\[0\]\.clientId" must be/);
    // A function is no client object, even one carrying a clientId.
    expect(verdict({ clients: [Object.assign(() => 'tv', { clientId: 'tv' })] })).toMatch(
      /^"clients\[0\]\.clientId" must be/,
    );
  });

  it('takes a name of 1 to 100 characters and refuses one that is blank, longer or no string', () => {
    const named = (name: unknown) => verdict({ clients: [{ clientId: 'tv', name }] });
    expect(named('T')).toBe('ok');
    expect(named('n'.repeat(100))).toBe('ok');
    const refusal =
      '"clients[0].name" must be a non-empty string of at most 100 characters (what the phone calls the device), e.g. "Living-room TV".';
    expect(named('n'.repeat(101))).toBe(refusal);
    expect(named('')).toBe(refusal);
    expect(named('   ')).toBe(refusal);
    expect(named(7)).toBe(refusal);
    expect(
      resolveDeviceGrantConfig({ clients: [{ clientId: 'tv', name: 'Living-room TV' }] }).clients.get('tv')?.name,
    ).toBe('Living-room TV');
  });

  it('checks a URL from start to end: a scheme first, then a host', () => {
    for (const bad of [
      ' https://login.example',
      'xhttps://login.example',
      'https://',
      'https:// host',
      'ftp://login.example',
    ])
      expect(verdict({ clients: [CLI], issuer: bad }), bad).toMatch(/^"issuer" must be an absolute http\(s\) URL/);
    const config = resolveDeviceGrantConfig({ clients: [CLI], issuer: 'HTTP://login.example//' });
    expect(config.issuer?.()).toBe('HTTP://login.example');
  });

  it('calls an issuer or verificationUri function each time, and refuses what it returns when that is no URL', () => {
    let host = 'https://a.example/';
    const config = resolveDeviceGrantConfig({
      clients: [CLI],
      issuer: () => host,
      verificationUri: (issuer: string) => `${issuer}/activate/`,
    });
    expect(config.issuer?.()).toBe('https://a.example');
    expect(config.verificationUri('https://a.example')).toBe('https://a.example/activate');
    host = 'https://b.example';
    expect(config.issuer?.()).toBe('https://b.example');
    host = 'b.example';
    expect(() => config.issuer?.()).toThrow(/"issuer" must be an absolute http\(s\) URL/);
    expect(() => config.verificationUri('nowhere')).toThrow(/"verificationUri" must be an absolute http\(s\) URL/);
  });

  it('takes a fixed verificationUri whatever the issuer, and refuses one of another type', () => {
    const config = resolveDeviceGrantConfig({ clients: [CLI], verificationUri: 'https://go.example/tv/' });
    expect(config.verificationUri('https://login.example')).toBe('https://go.example/tv');
    expect(config.issuer).toBeUndefined();
    expect(verdict({ clients: [CLI], verificationUri: 42 })).toBe(
      '"verificationUri" must be a URL string or a function of the issuer returning one.',
    );
  });
});
