import { describe, expect, it } from 'vitest';
import { toDeviceTokenResponse } from './device-token-set';

/*
 * How the app's issueTokenSet answer becomes an RFC 6749 token response:
 * the accepted spellings and their order, a JWT's `exp` counted from the
 * given time, only the standard fields passed on, and each unreadable answer
 * refused with how to fix it.
 */

const NOW_MS = 1_700_000_000_250;
const FIX = "make QrLoginModule's issueTokenSet return { access_token, expires_in } (token_type defaults to Bearer)";

/** A JWT-shaped token (header, claims, signature) with these claims; the signature is not read. */
const jwt = (claims: unknown) => `e30.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.c2ln`;

describe('toDeviceTokenResponse', () => {
  it('passes the standard fields on, Bearer by default, and nothing else of the answer', () => {
    expect(
      toDeviceTokenResponse({ access_token: 'at', expires_in: 3600, user: { id: 'u' }, extra: 'x' }, NOW_MS),
    ).toStrictEqual({ access_token: 'at', token_type: 'Bearer', expires_in: 3600 });
    expect(
      toDeviceTokenResponse(
        { access_token: 'at', token_type: 'DPoP', expires_in: 60, refresh_token: 'rt', scope: 'profile' },
        NOW_MS,
      ),
    ).toStrictEqual({ access_token: 'at', token_type: 'DPoP', expires_in: 60, refresh_token: 'rt', scope: 'profile' });
  });

  it('reads the camel-case spellings too, the standard one first', () => {
    expect(
      toDeviceTokenResponse({ accessToken: 'at', expiresIn: 30, refreshToken: 'rt', tokenType: 'mac' }, NOW_MS),
    ).toStrictEqual({ access_token: 'at', token_type: 'mac', expires_in: 30, refresh_token: 'rt' });
    expect(
      toDeviceTokenResponse(
        {
          access_token: 'std',
          accessToken: 'camel',
          expires_in: 10,
          expiresIn: 20,
          refresh_token: 'r-std',
          refreshToken: 'r-camel',
          token_type: 't-std',
          tokenType: 't-camel',
        },
        NOW_MS,
      ),
    ).toStrictEqual({ access_token: 'std', token_type: 't-std', expires_in: 10, refresh_token: 'r-std' });
  });

  it('skips empty and mistyped values for the next spelling', () => {
    expect(
      toDeviceTokenResponse(
        {
          access_token: '',
          accessToken: 'camel',
          expires_in: Number.NaN,
          expiresIn: 20,
          refresh_token: 7,
          refreshToken: '',
          token_type: '',
          scope: '',
        },
        NOW_MS,
      ),
    ).toStrictEqual({ access_token: 'camel', token_type: 'Bearer', expires_in: 20 });
    const exp = Math.floor(NOW_MS / 1000) + 100;
    expect(
      toDeviceTokenResponse(
        { access_token: 5, accessToken: jwt({ exp }), expires_in: '60', expiresIn: Infinity },
        NOW_MS,
      ),
    ).toStrictEqual({ access_token: jwt({ exp }), token_type: 'Bearer', expires_in: 99 });
  });

  it('rounds expires_in down to whole seconds and never below 0', () => {
    expect(toDeviceTokenResponse({ access_token: 'at', expires_in: 59.9 }, NOW_MS).expires_in).toBe(59);
    expect(toDeviceTokenResponse({ access_token: 'at', expires_in: -5 }, NOW_MS).expires_in).toBe(0);
    expect(toDeviceTokenResponse({ access_token: 'at', expires_in: 0 }, NOW_MS).expires_in).toBe(0);
  });

  it("takes a bare string as the access token, and a JWT's exp as its lifetime, counted from now", () => {
    const exp = Math.floor(NOW_MS / 1000) + 900;
    expect(toDeviceTokenResponse(jwt({ exp }), NOW_MS)).toStrictEqual({
      access_token: jwt({ exp }),
      token_type: 'Bearer',
      // 900 s less the quarter second already gone, rounded down.
      expires_in: 899,
    });
    expect(toDeviceTokenResponse({ accessToken: jwt({ exp }) }, NOW_MS).expires_in).toBe(899);
    // A given expires_in wins over the token's exp; an exp already past is 0.
    expect(toDeviceTokenResponse({ access_token: jwt({ exp }), expires_in: 5 }, NOW_MS).expires_in).toBe(5);
    expect(toDeviceTokenResponse(jwt({ exp: exp - 1000 }), NOW_MS).expires_in).toBe(0);
  });

  it('refuses an answer that is no token, naming what it was', () => {
    expect(() => toDeviceTokenResponse(null, NOW_MS)).toThrow(
      `The device grant cannot answer a token: issueTokenSet returned null; ${FIX}.`,
    );
    for (const [value, kind] of [
      [undefined, 'undefined'],
      [42, 'number'],
      ['', 'string'],
    ] as const) {
      expect(() => toDeviceTokenResponse(value, NOW_MS)).toThrow(
        `The device grant cannot answer a token: issueTokenSet returned ${kind}; ${FIX}.`,
      );
    }
  });

  it('refuses an object without an access token', () => {
    for (const value of [{}, { access_token: '' }, { accessToken: 7, expires_in: 60 }]) {
      expect(() => toDeviceTokenResponse(value, NOW_MS)).toThrow(
        `The device grant cannot answer a token: issueTokenSet returned no access_token; ${FIX}.`,
      );
    }
  });

  it('refuses a token without a lifetime: no expires_in, and no JWT with a numeric exp', () => {
    const noLifetime = `The device grant cannot answer a token: issueTokenSet returned no expires_in and the access token is not a JWT with exp; ${FIX}.`;
    for (const token of [
      'opaque',
      'a.b',
      `${jwt({ exp: 1 })}.extra`,
      jwt({ sub: 'u' }),
      jwt({ exp: '1900000000' }),
      'e30.!!notjson.c2ln',
      `e30.${Buffer.from('not json').toString('base64url')}.c2ln`,
    ]) {
      expect(() => toDeviceTokenResponse({ access_token: token, expires_in: 'soon' }, NOW_MS)).toThrow(noLifetime);
    }
  });
});
