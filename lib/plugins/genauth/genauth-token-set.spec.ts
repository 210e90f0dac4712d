import { describe, expect, it } from 'vitest';
import { QrLoginGenAuthException } from './genauth.errors';
import { secondsUntilJwtExpiry, toGenAuthTokenSet } from './genauth-token-set';

function jwt(claims: object): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'none' })}.${part(claims)}.sig`;
}

describe('toGenAuthTokenSet', () => {
  it('keeps GenAuth and OAuth spellings and defaults token_type to Bearer', () => {
    expect(toGenAuthTokenSet({ access_token: 'a', expires_in: 60, refresh_token: 'r', scope: 'openid' })).toEqual({
      access_token: 'a',
      refresh_token: 'r',
      token_type: 'Bearer',
      expire_in: 60,
      scope: 'openid',
    });
    expect(toGenAuthTokenSet({ access_token: 'a', expire_in: 5, token_type: 'DPoP', id_token: 'i' })).toEqual({
      access_token: 'a',
      id_token: 'i',
      token_type: 'DPoP',
      expire_in: 5,
    });
  });

  it('reads camelCase answers and drops everything else (e.g. the user object)', () => {
    const set = toGenAuthTokenSet({
      accessToken: 'a',
      expiresIn: 30.7,
      idToken: 'i',
      refreshToken: 'r',
      user: { password: 'x' },
    });
    expect(set).toEqual({ access_token: 'a', id_token: 'i', refresh_token: 'r', token_type: 'Bearer', expire_in: 30 });
  });

  it('takes expire_in from the exp claim of a JWT access token', () => {
    const now = 1_700_000_000_000;
    expect(secondsUntilJwtExpiry(jwt({ exp: now / 1000 + 900 }), now)).toBe(900);
    expect(secondsUntilJwtExpiry(jwt({ exp: now / 1000 - 5 }), now)).toBe(0);
    const token = jwt({ sub: 'u', exp: Math.floor(Date.now() / 1000) + 900 });
    const set = toGenAuthTokenSet(token);
    expect(set.access_token).toBe(token);
    expect(set.expire_in).toBeGreaterThanOrEqual(898);
    expect(set.expire_in).toBeLessThanOrEqual(900);
    expect(secondsUntilJwtExpiry('not-a-jwt')).toBeUndefined();
    expect(secondsUntilJwtExpiry(jwt({ sub: 'u' }))).toBeUndefined();
  });

  it.each([
    [{ user: { id: 'u' } }, /no access_token/],
    [{ access_token: 'opaque' }, /no expires_in/],
    [null, /returned null/],
    [undefined, /returned undefined/],
  ])('reports %j as a server mistake with the fix', (issued, message) => {
    let caught: unknown;
    try {
      toGenAuthTokenSet(issued);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(QrLoginGenAuthException);
    expect((caught as QrLoginGenAuthException).getStatus()).toBe(500);
    expect((caught as QrLoginGenAuthException).code).toBe('QR_TOKEN_SET_INVALID');
    expect((caught as Error).message).toMatch(message);
    expect((caught as Error).message).toContain('issueTokenSet');
  });
});

describe('toGenAuthTokenSet, exactly', () => {
  it('skips empty strings and reads token and tokenType', () => {
    expect(toGenAuthTokenSet({ access_token: '', token: 't', expire_in: 1, tokenType: 'DPoP' })).toStrictEqual({
      access_token: 't',
      token_type: 'DPoP',
      expire_in: 1,
    });
  });

  it('takes a non-empty string as the access token, and refuses an empty one as no token set', () => {
    const token = jwt({ exp: Math.floor(Date.now() / 1000) + 900 });
    expect(toGenAuthTokenSet(token).access_token).toBe(token);
    expect(() => toGenAuthTokenSet('')).toThrow("The server's token set hook returned string instead of a token set;");
  });

  it('reads exp only from a token of three parts whose claims are JSON', () => {
    const claims = Buffer.from(JSON.stringify({ exp: 4_000_000_000 })).toString('base64url');
    expect(secondsUntilJwtExpiry(`h.${claims}.s`, 3_999_999_000_000)).toBe(1000);
    expect(secondsUntilJwtExpiry(`h.${claims}`, 3_999_999_000_000)).toBeUndefined();
    expect(secondsUntilJwtExpiry(`h.${claims}.s.x`, 3_999_999_000_000)).toBeUndefined();
    expect(secondsUntilJwtExpiry('h.not-json.s')).toBeUndefined();
  });
});
