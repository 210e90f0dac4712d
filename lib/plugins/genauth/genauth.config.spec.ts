import { describe, expect, it } from 'vitest';
import { resolveQrLoginConfig } from '../../kernel/qr-login.config';
import { QrLoginConfigError } from '../../kernel/qr-login.errors';
import type { QrLoginModuleOptions } from '../../kernel/interfaces/qr-login-options.interface';

const base: QrLoginModuleOptions = {
  appAuth: { resolveUser: () => null },
  issueTokenSet: () => ({ access_token: 't', expires_in: 60 }),
};

function resolve(options: Partial<QrLoginModuleOptions>, compat?: unknown) {
  return resolveQrLoginConfig({ ...base, ...options } as QrLoginModuleOptions, { compat } as any);
}

describe('genauth options validation', () => {
  it('defaults to no compatible routes, client authentication none and no creator binding', () => {
    expect(resolve({}).genauth).toEqual({ v3: false, v2: false, tokenEndpointAuthMethod: 'none', bindToCreator: false });
    expect(resolve({}, { genauthV3: true, genauthV2: false }).genauth).toMatchObject({ v3: true, v2: false });
  });

  it.each(['client_secret_post', 'client_secret_basic'] as const)(
    'refuses %s without client credentials, saying which options to set',
    (method) => {
      const start = () => resolve({ genauth: { tokenEndpointAuthMethod: method, clientId: 'app' } }, { genauthV3: true });
      expect(start).toThrow(QrLoginConfigError);
      expect(start).toThrow(/genauth\.clientId .*genauth\.clientSecret/);
      expect(
        resolve({ genauth: { tokenEndpointAuthMethod: method, clientId: 'app', clientSecret: 's' } }).genauth,
      ).toMatchObject({ tokenEndpointAuthMethod: method, clientId: 'app', clientSecret: 's' });
    },
  );

  it('refuses an unknown method, an unknown option and a non-string credential', () => {
    expect(() => resolve({ genauth: { tokenEndpointAuthMethod: 'private_key_jwt' as any } })).toThrow(
      /must be one of none, client_secret_post, client_secret_basic/,
    );
    expect(() => resolve({ genauth: { clientSecrett: 'x' } as any })).toThrow(/"genauth.clientSecrett" is not an option/);
    expect(() => resolve({ genauth: { clientId: 42 as any } })).toThrow(/"genauth.clientId" must be a non-empty string/);
    expect(() => resolve({ genauth: { bindToCreator: 'yes' as any } })).toThrow(/"genauth.bindToCreator" must be true or false/);
  });

  it('refuses a malformed compat setting', () => {
    expect(() => resolve({}, { genauthV3: 'yes' })).toThrow(/"compat.genauthV3" must be true or false/);
    expect(() => resolve({}, { genauthV4: true })).toThrow(/"compat.genauthV4" is not a setting/);
    expect(() => resolve({}, 'v3')).toThrow(/"compat" must be an object/);
  });

  it('needs a token set hook when a compatible route set is on', () => {
    const noHook = { appAuth: base.appAuth } as QrLoginModuleOptions;
    expect(() => resolveQrLoginConfig(noHook, { compat: { genauthV2: true } })).toThrow(/set issueTokenSet/);
    expect(() => resolveQrLoginConfig(noHook, {})).not.toThrow();
    const ownHook = { ...noHook, genauth: { issueTokenSet: () => ({ access_token: 'a', expire_in: 1, token_type: 'Bearer' }) } };
    expect(resolveQrLoginConfig(ownHook, { compat: { genauthV3: true } }).genauth.issueTokenSet).toBeTypeOf('function');
  });

  it('says where compat belongs when it is put inside the options', () => {
    expect(() => resolveQrLoginConfig({ ...base, compat: { genauthV3: true } } as any, {})).toThrow(
      /"compat" is a module setting .* beside the factory/,
    );
  });
});
