import { describe, expect, it } from 'vitest';
import { systemClock, type QrLoginClock } from './qr-login.clock';
import { resolveQrLoginConfig } from './qr-login.config';
import { QrLoginConfigError } from './qr-login.errors';
import { defaultBriefUserInfo, defaultUserId } from './qr-login-app-user.config';
import type { QrLoginContext, QrLoginKernelOptions } from './interfaces/qr-login-options.interface';

/* Every option's default, its accepted edge values and the exact words of each refusal. */

const APP_AUTH = { strategies: ['jwt'] };
const PREFIX = 'QrLoginModule is misconfigured: ';
const HINT =
  ' Environment values are strings: convert it, e.g. Number(config.get("QR_TTL")) or config.get("QR_TTL", { infer: true }) with a validated schema.';

function resolved(options: Record<string, unknown>, extras: Record<string, unknown> = {}, layered: string[] = []) {
  return resolveQrLoginConfig({ appAuth: APP_AUTH, ...options } as QrLoginKernelOptions, extras, layered);
}

/** The configuration error's message without its fixed prefix ('ok' when nothing was refused). */
function refusal(run: () => unknown): string {
  try {
    run();
    return 'ok';
  } catch (error) {
    if (!(error instanceof QrLoginConfigError)) throw error;
    expect(error.message.startsWith(PREFIX)).toBe(true);
    return error.message.slice(PREFIX.length);
  }
}

const refusalOf = (options: Record<string, unknown>, extras: Record<string, unknown> = {}) =>
  refusal(() => resolved(options, extras));

const context = { briefUserInfo: { displayName: 'Ada', photo: 'p.png' } } as QrLoginContext;

describe('resolveQrLoginConfig: defaults', () => {
  it('fills in every default', () => {
    const config = resolved({});
    const {
      payload,
      getUserId,
      getBriefUserInfo,
      loadUser: _loadUser,
      issueTokenSet: _issue,
      clock,
      security,
      ...plain
    } = config;
    expect(plain).toStrictEqual({
      appAuth: { strategies: ['jwt'] },
      qrCodeTtlMs: 120_000,
      ticketTtlMs: 60_000,
      routePrefix: 'qr-login',
      appName: undefined,
      imageFormat: 'svg',
      imageUrl: 'data',
      bindToCreator: true,
      creatorBinding: 'dpop-or-secret',
      dpopProofLifetimeMs: 60_000,
      cookie: { name: 'qr_login_secret', secure: 'auto', sameSite: 'lax', path: '/' },
      sseHeartbeatMs: 15_000,
      maxCustomDataBytes: 4096,
      onAuthorized: undefined,
      issueTokenSetGiven: false,
      userCodes: true,
    });
    expect(payload('a/b c')).toBe('a/b c');
    expect(getUserId).toBe(defaultUserId);
    expect(getBriefUserInfo).toBe(defaultBriefUserInfo);
    expect(clock).toBe(systemClock);
    expect(security.rotateEveryMs).toBeUndefined();
  });

  it('loads the confirmed user as its id and brief info, and answers the user as the token set', async () => {
    const { loadUser, issueTokenSet } = resolved({});
    expect(await loadUser('u1', context)).toStrictEqual({ id: 'u1', displayName: 'Ada', photo: 'p.png' });
    expect(await issueTokenSet({ id: 'u1' }, context)).toStrictEqual({ user: { id: 'u1' } });
  });
});

describe('resolveQrLoginConfig: given values', () => {
  it('keeps what the app gives, in milliseconds where the option is in seconds', () => {
    const hooks = {
      getUserId: () => 'u',
      getBriefUserInfo: () => ({ displayName: 'U' }),
      onAuthorized: () => undefined,
      loadUser: () => ({ id: 'u' }),
      issueTokenSet: () => ({ accessToken: 't' }),
    };
    const clock: QrLoginClock = { now: () => 5, setTimeout: () => 1, clearTimeout: () => undefined };
    const config = resolved({
      ...hooks,
      qrCodeTtl: 1.0004,
      ticketTtl: 86_400,
      appName: 'Shop',
      imageFormat: 'png',
      imageUrl: 'route',
      bindToCreator: false,
      creatorBinding: 'dpop',
      dpopProofLifetime: 600,
      cookie: { name: 'c', secure: true, sameSite: 'none', path: '/auth' },
      sseHeartbeatInterval: 3_600,
      maxCustomDataBytes: 2,
      clock,
      userCodes: false,
    });
    expect(config).toMatchObject({
      ...hooks,
      qrCodeTtlMs: 1000,
      ticketTtlMs: 86_400_000,
      appName: 'Shop',
      imageFormat: 'png',
      imageUrl: 'route',
      bindToCreator: false,
      creatorBinding: 'dpop',
      dpopProofLifetimeMs: 600_000,
      cookie: { name: 'c', secure: true, sameSite: 'none', path: '/auth' },
      sseHeartbeatMs: 3_600_000,
      maxCustomDataBytes: 2,
      issueTokenSetGiven: true,
      userCodes: false,
    });
    expect(config.clock).toBe(clock);
    expect(resolved({ creatorBinding: 'secret' }).creatorBinding).toBe('secret');
    expect(resolved({ cookie: { sameSite: 'strict', secure: false } }).cookie).toStrictEqual({
      name: 'qr_login_secret',
      secure: false,
      sameSite: 'strict',
      path: '/',
    });
    expect(resolved({ cookie: { sameSite: 'lax' } }).cookie.sameSite).toBe('lax');
  });

  it('puts the encoded id into every {qrcodeId} of a payload URL, and uses a payload function as it is', () => {
    const { payload } = resolved({ payloadUrl: 'https://example.com/p?code={qrcodeId}&again={qrcodeId}' });
    expect(payload('a/b c')).toBe('https://example.com/p?code=a%2Fb%20c&again=a%2Fb%20c');
    const build = (id: string) => `x:${id}`;
    expect(resolved({ payloadUrl: build }).payload).toBe(build);
  });

  it('takes a store that has every method of a store', () => {
    const fn = () => undefined;
    const store = Object.fromEntries(
      ['create', 'get', 'compareAndSet', 'watch', 'rememberOnce', 'setAlias', 'resolveAlias'].map((m) => [m, fn]),
    );
    expect(refusalOf({ store })).toBe('ok');
  });

  it('normalises the route prefix: slashes off both ends, inner ones kept', () => {
    expect(resolved({}, { routePrefix: '/auth/qr/' }).routePrefix).toBe('auth/qr');
    expect(resolved({}, { routePrefix: 'auth/qr' }).routePrefix).toBe('auth/qr');
    expect(resolved({}, { routePrefix: '/x/' }).routePrefix).toBe('x');
    expect(resolved({}, { routePrefix: 'a-b_c.d~e' }).routePrefix).toBe('a-b_c.d~e');
    expect(resolved({}, { routePrefix: '' }).routePrefix).toBe('');
  });

  it('lets the keys a layer above validates pass, and only those', () => {
    expect(refusal(() => resolved({ risk: {} }, {}, ['risk']))).toBe('ok');
    expect(refusalOf({ risk: {} })).toMatch(/^"risk" is not an option/);
  });
});

describe('resolveQrLoginConfig: refusals', () => {
  it('refuses missing options, and options that are not an object', () => {
    const message =
      'no options were given. Call QrLoginModule.forRoot({ appAuth: ... }) or make the forRootAsync factory return an options object.';
    for (const options of [undefined, null, 'qr', 42]) {
      expect(refusal(() => resolveQrLoginConfig(options as unknown as QrLoginKernelOptions))).toBe(message);
    }
  });

  it('refuses isGlobal and the module settings inside the options', () => {
    expect(refusalOf({ isGlobal: true })).toBe(
      '"isGlobal" is not an option: QrLoginModule is always global, so plugins imported beside it reach its service. Remove it.',
    );
    for (const key of ['routePrefix', 'routeDecorators']) {
      expect(refusalOf({ [key]: undefined })).toBe(
        `"${key}" is a module setting and is ignored inside the options object; pass it beside the factory: QrLoginModule.forRootAsync({ ${key}: ..., useFactory }).`,
      );
    }
  });

  it('refuses a misspelled key and says which was meant', () => {
    expect(refusalOf({ qrCodeTTL: 60 })).toMatch(
      /^"qrCodeTTL" is not an option; did you mean "qrCodeTtl"\? The options are appAuth, /,
    );
  });

  it('refuses lifetimes that are not seconds above 0 and at most their maximum', () => {
    const cases: [string, number][] = [
      ['qrCodeTtl', 86_400],
      ['ticketTtl', 86_400],
      ['dpopProofLifetime', 600],
      ['sseHeartbeatInterval', 3_600],
    ];
    for (const [name, max] of cases) {
      const words = `"${name}" must be a number of seconds above 0 and at most ${max}; got`;
      expect(refusalOf({ [name]: max })).toBe('ok');
      expect(refusalOf({ [name]: 0.001 })).toBe('ok');
      expect(refusalOf({ [name]: 0 })).toBe(`${words} 0.`);
      expect(refusalOf({ [name]: -1 })).toBe(`${words} -1.`);
      expect(refusalOf({ [name]: max + 0.001 })).toBe(`${words} ${max + 0.001}.`);
      expect(refusalOf({ [name]: Number.NaN })).toBe(`${words} NaN.`);
      expect(refusalOf({ [name]: Infinity })).toBe(`${words} Infinity.`);
      expect(refusalOf({ [name]: '90' })).toBe(`${words} the string "90".${HINT}`);
    }
  });

  it('refuses hooks that are not functions, by name', () => {
    for (const name of ['getUserId', 'getBriefUserInfo', 'onAuthorized', 'loadUser', 'issueTokenSet']) {
      expect(refusalOf({ [name]: 'id' })).toBe(`"${name}" must be a function; got string.`);
    }
  });

  it('refuses a payload URL without the placeholder, or of another type', () => {
    const message =
      '"payloadUrl" must be a function of the qrcodeId or a string holding the placeholder {qrcodeId}, e.g. "https://example.com/phone?code={qrcodeId}".';
    expect(refusalOf({ payloadUrl: 'https://example.com/phone?code=' })).toBe(message);
    expect(refusalOf({ payloadUrl: 'https://example.com/phone?code={id}' })).toBe(message);
    expect(refusalOf({ payloadUrl: 7 })).toBe(message);
  });

  it('refuses an unknown creator binding', () => {
    expect(refusalOf({ creatorBinding: 'cookie' })).toBe(
      '"creatorBinding" must be "dpop", "secret" or "dpop-or-secret"; got the string "cookie".',
    );
  });

  it('refuses a store that lacks methods, and lists them', () => {
    const fn = () => undefined;
    const tail =
      '. Pass a store instance such as new MemoryQrLoginStore() or new RedisQrLoginStore(...), or leave "store" out for the in-memory default.';
    expect(refusalOf({ store: { create: fn, get: fn, compareAndSet: fn, rememberOnce: fn, setAlias: fn } })).toBe(
      `"store" does not implement QrLoginStore (missing watch, resolveAlias)${tail}`,
    );
    expect(refusalOf({ store: null })).toBe(
      `"store" does not implement QrLoginStore (missing create, get, compareAndSet, watch, rememberOnce, setAlias, resolveAlias)${tail}`,
    );
  });

  it('refuses a clock that lacks methods, and lists them', () => {
    expect(refusalOf({ clock: { now: () => 1, setTimeout: 5 } })).toBe(
      '"clock" must implement QrLoginClock (missing setTimeout, clearTimeout); leave it out for the system clock.',
    );
    expect(refusalOf({ clock: null })).toBe(
      '"clock" must implement QrLoginClock (missing now, setTimeout, clearTimeout); leave it out for the system clock.',
    );
  });

  it('refuses userCodes that is not a boolean', () => {
    expect(refusalOf({ userCodes: 'yes' })).toBe('"userCodes" must be true or false; got "yes".');
  });

  it('refuses route prefixes that are not URL paths', () => {
    for (const routePrefix of ['a b', 'a?b', '?ab', 'ab?', '//x', 'a//b', 5]) {
      expect(refusalOf({}, { routePrefix })).toBe(
        `"routePrefix" must be a URL path such as "qr-login" or "auth/qr"; got ${JSON.stringify(routePrefix)}.`,
      );
    }
  });

  it('refuses a cookie option that is not an object, unknown cookie keys and bad sameSite values', () => {
    expect(refusalOf({ cookie: 5 })).toBe('"cookie" must be an object such as { sameSite: "lax" }; got 5.');
    expect(refusalOf({ cookie: 'lax' })).toBe(
      '"cookie" must be an object such as { sameSite: "lax" }; got the string "lax".',
    );
    expect(refusalOf({ cookie: null })).toBe('ok');
    expect(refusalOf({ cookie: { domain: 'x' } })).toMatch(/^"cookie.domain" is not an option/);
    expect(refusalOf({ cookie: { sameSite: 'Lax' } })).toBe(
      '"cookie.sameSite" must be "lax", "strict" or "none"; got Lax.',
    );
    const none = '"cookie.sameSite: none" needs "cookie.secure: true"; browsers drop such cookies otherwise.';
    expect(refusalOf({ cookie: { sameSite: 'none' } })).toBe(none);
    expect(refusalOf({ cookie: { sameSite: 'none', secure: false } })).toBe(none);
    expect(refusalOf({ cookie: { sameSite: 'none', secure: 'auto' } })).toBe(none);
    expect(refusalOf({ cookie: { sameSite: 'strict', secure: 'auto' } })).toBe('ok');
  });

  it('refuses image formats and image URLs it cannot make', () => {
    expect(refusalOf({ imageFormat: 'jpeg' })).toBe('"imageFormat" must be "svg" or "png"; got jpeg.');
    expect(refusalOf({ imageFormat: 'svg' })).toBe('ok');
    expect(refusalOf({ imageUrl: 'link' })).toBe(
      '"imageUrl" must be "data" (a data URL in the create answer) or "route" (a link to GET {prefix}/qrcodes/:id/image); got link.',
    );
    expect(refusalOf({ imageUrl: 'data' })).toBe('ok');
  });

  it('refuses maxCustomDataBytes below 2 or not whole', () => {
    const words = '"maxCustomDataBytes" must be a whole number of bytes of at least 2; got';
    expect(refusalOf({ maxCustomDataBytes: 1 })).toBe(`${words} 1.`);
    expect(refusalOf({ maxCustomDataBytes: 100.5 })).toBe(`${words} 100.5.`);
    expect(refusalOf({ maxCustomDataBytes: '4096' })).toBe(`${words} the string "4096".${HINT}`);
    expect(refusalOf({ maxCustomDataBytes: 3 })).toBe('ok');
  });
});
