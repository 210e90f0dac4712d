import { describe, expect, it } from 'vitest';
import { QrLoginConfigError } from '../../plugin';
import { QrLoginGenAuthConfigError, resolveGenAuthConfig } from './genauth.config';
import type { QrLoginGenAuthModuleExtras, QrLoginGenAuthModuleOptions } from './genauth-options.interface';

function resolve(options: QrLoginGenAuthModuleOptions, extras: QrLoginGenAuthModuleExtras = {}) {
  return resolveGenAuthConfig(options, extras);
}

describe('QrLoginGenAuthModule options validation', () => {
  it('defaults to the V3 routes, client authentication none and no creator binding', () => {
    expect(resolve({})).toEqual({ v3: true, v2: false, tokenEndpointAuthMethod: 'none', bindToCreator: false });
    expect(resolve({}, { v3: false, v2: true })).toMatchObject({ v3: false, v2: true });
  });

  it.each(['client_secret_post', 'client_secret_basic'] as const)(
    'refuses %s without client credentials, saying which options to set',
    (method) => {
      const start = () => resolve({ tokenEndpointAuthMethod: method, clientId: 'app' });
      expect(start).toThrow(QrLoginGenAuthConfigError);
      expect(start).toThrow(QrLoginConfigError);
      expect(start).toThrow(/QrLoginGenAuthModule is misconfigured: .*set clientId .*and clientSecret/);
      expect(resolve({ tokenEndpointAuthMethod: method, clientId: 'app', clientSecret: 's' })).toMatchObject({
        tokenEndpointAuthMethod: method,
        clientId: 'app',
        clientSecret: 's',
      });
    },
  );

  it('refuses an unknown method, an unknown option and a non-string credential', () => {
    expect(() => resolve({ tokenEndpointAuthMethod: 'private_key_jwt' as any })).toThrow(
      /must be one of none, client_secret_post, client_secret_basic/,
    );
    expect(() => resolve({ clientSecrett: 'x' } as any)).toThrow(/"clientSecrett" is not an option/);
    expect(() => resolve({ clientId: 42 as any })).toThrow(/"clientId" must be a non-empty string/);
    expect(() => resolve({ bindToCreator: 'yes' as any })).toThrow(/"bindToCreator" must be true or false/);
    expect(() => resolve({ issueTokenSet: 'token' as any })).toThrow(/"issueTokenSet" must be a function/);
  });

  it('refuses malformed route settings, and none at all', () => {
    expect(() => resolve({}, { v3: 'yes' as any })).toThrow(/"v3" must be true or false/);
    expect(() => resolve({}, { v3: false })).toThrow(/"v3" and "v2" are both false/);
  });

  it('says where v3 and v2 belong when they are put inside the options', () => {
    expect(() => resolve({ v2: true } as any)).toThrow(/"v2" is a module setting .* beside the factory/);
  });
});

describe('QrLoginGenAuthModule options, exactly', () => {
  it('names its error and keeps the options given, and only those', () => {
    const issueTokenSet = () => ({ access_token: 'a', expire_in: 1, token_type: 'Bearer' });
    expect(resolve({})).toStrictEqual({ v3: true, v2: false, tokenEndpointAuthMethod: 'none', bindToCreator: false });
    expect(
      resolve(
        {
          tokenEndpointAuthMethod: 'client_secret_basic',
          clientId: 'app',
          clientSecret: 's',
          appId: 'app-id',
          bindToCreator: true,
          issueTokenSet,
        },
        { v2: true },
      ),
    ).toStrictEqual({
      v3: true,
      v2: true,
      tokenEndpointAuthMethod: 'client_secret_basic',
      clientId: 'app',
      clientSecret: 's',
      appId: 'app-id',
      bindToCreator: true,
      issueTokenSet,
    });
    expect(resolve({ bindToCreator: false })).toMatchObject({ bindToCreator: false });
    let caught: unknown;
    try {
      resolve({ clientId: '' });
    } catch (error) {
      caught = error;
    }
    expect((caught as Error).name).toBe('QrLoginGenAuthConfigError');
  });

  it.each([
    [{ clientId: '' }, '"clientId" must be a non-empty string; got "".'],
    [{ clientSecret: 42 }, '"clientSecret" must be a non-empty string; got 42.'],
    [{ appId: '' }, '"appId" must be a non-empty string; got "".'],
    [
      { clientSecrett: 'x' },
      '"clientSecrett" is not an option; the options are tokenEndpointAuthMethod, clientId, clientSecret, appId, bindToCreator, issueTokenSet.',
    ],
    [
      { tokenEndpointAuthMethod: 'client_secret_post', clientSecret: 's' },
      '"tokenEndpointAuthMethod: client_secret_post" needs the client credentials the SDK is initialised with: set clientId (the SDK\'s appId) and clientSecret (its appSecret), or use tokenEndpointAuthMethod "none".',
    ],
  ])('refuses %j with the message that says how to fix it', (options, message) => {
    expect(() => resolve(options as any)).toThrow(`QrLoginGenAuthModule is misconfigured: ${message}`);
  });

  it('refuses options that are not an object', () => {
    expect(() => resolveGenAuthConfig('none' as any)).toThrow(
      'QrLoginGenAuthModule is misconfigured: the options must be an object such as { tokenEndpointAuthMethod: "none" }; got "none".',
    );
    expect(resolveGenAuthConfig(undefined)).toMatchObject({ tokenEndpointAuthMethod: 'none' });
  });
});
