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

  it('defaults the interval to 5 s', () => {
    expect(resolveDeviceGrantConfig({ clients: [CLI] }).intervalSeconds).toBe(5);
  });

  it('takes a clientId of exactly 200 characters and refuses 201 or none', () => {
    expect(verdict({ clients: [{ clientId: 'c'.repeat(200) }] })).toBe('ok');
    expect(verdict({ clients: [{ clientId: 'c'.repeat(201) }] })).toMatch(/^"clients\[0\]\.clientId" must be/);
    expect(verdict({ clients: [{ clientId: '' }] })).toMatch(/^"clients\[0\]\.clientId" must be/);
    expect(verdict({ clients: [CLI, { clientId: 7 }] })).toMatch(/^"clients\[1\]\.clientId" must be/);
  });

  it('infers the method from the secret and names each client by its id in the binding', () => {
    const config = resolveDeviceGrantConfig({ clients: [CLI, { clientId: 'server', clientSecret: 's3cret' }] });
    expect(config.clients.get('my-cli')).toEqual({
      clientId: 'my-cli',
      name: 'my-cli',
      method: 'none',
      bindingClient: 'device:my-cli',
    });
    expect(config.clients.get('server')).toEqual({
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
