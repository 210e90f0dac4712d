import { describe, expect, it } from 'vitest';
import { defaultBriefUserInfo, defaultUserId, resolveAppAuth } from '../../lib/kernel/qr-login-app-user.config';
import { QrLoginConfigError } from '../../lib/kernel/qr-login.errors';
import { thrownBy as thrown } from '../support/kernel-parts';

/*
 * Who the phone app's user is when the app says nothing more: the id and the
 * brief info read off the user, and the refusals of an `appAuth` that cannot
 * work, each with its error class and its whole message.
 */

const NO_ID =
  'QrLoginModule could not find an id on the app user (looked for id, sub and userId); set the getUserId option.';
const EXAMPLE =
  'e.g. appAuth: { strategies: ["jwt"] } or appAuth: { resolveUser: (req) => usersService.fromToken(req) }';
const misconfigured = (message: string) => `QrLoginModule is misconfigured: ${message}`;

describe('defaultUserId', () => {
  it('reads id, then sub, then userId, as a string', () => {
    expect(defaultUserId({ id: 'a', sub: 'b', userId: 'c' })).toBe('a');
    expect(defaultUserId({ sub: 'b', userId: 'c' })).toBe('b');
    expect(defaultUserId({ id: null, sub: 'b', userId: 'c' })).toBe('b');
    expect(defaultUserId({ userId: 'c' })).toBe('c');
    expect(defaultUserId({ id: 42 })).toBe('42');
    expect(defaultUserId({ id: 0 })).toBe('0');
  });

  it.each([[undefined], [null], [{}], [{ id: '' }], [{ id: null }], [{ userId: '' }], [{ userId: null }]])(
    'refuses a user without an id: %j',
    (user) => {
      expect(() => defaultUserId(user)).toThrow(new Error(NO_ID));
    },
  );
});

describe('defaultBriefUserInfo', () => {
  it('shows the first of displayName, nickname, name and username, else the id', () => {
    const all = { id: 'u', displayName: 'D', nickname: 'N', name: 'M', username: 'U' };
    expect(defaultBriefUserInfo(all)).toStrictEqual({ displayName: 'D' });
    expect(defaultBriefUserInfo({ ...all, displayName: undefined })).toStrictEqual({ displayName: 'N' });
    expect(defaultBriefUserInfo({ id: 'u', name: 'M', username: 'U' })).toStrictEqual({ displayName: 'M' });
    expect(defaultBriefUserInfo({ id: 'u', username: 'U' })).toStrictEqual({ displayName: 'U' });
    expect(defaultBriefUserInfo({ id: 'u' })).toStrictEqual({ displayName: 'u' });
    expect(defaultBriefUserInfo({ id: 'u', name: 7 })).toStrictEqual({ displayName: '7' });
    expect(() => defaultBriefUserInfo({})).toThrow(new Error(NO_ID));
    // No user at all is refused for its missing id, not with a TypeError.
    expect(() => defaultBriefUserInfo(null)).toThrow(new Error(NO_ID));
    expect(() => defaultBriefUserInfo(undefined)).toThrow(new Error(NO_ID));
  });

  it('adds the first of photo, avatar and picture when it is a string', () => {
    const user = { id: 'u', photo: 'p.png', avatar: 'a.png', picture: 'c.png' };
    expect(defaultBriefUserInfo(user)).toStrictEqual({ displayName: 'u', photo: 'p.png' });
    expect(defaultBriefUserInfo({ ...user, photo: undefined })).toStrictEqual({ displayName: 'u', photo: 'a.png' });
    expect(defaultBriefUserInfo({ id: 'u', picture: 'c.png' })).toStrictEqual({ displayName: 'u', photo: 'c.png' });
    expect(defaultBriefUserInfo({ id: 'u', photo: { url: 'p.png' } })).toStrictEqual({ displayName: 'u' });
  });
});

describe('resolveAppAuth', () => {
  it('takes strategies, one name or a list, or a resolver, and nothing else', () => {
    expect(resolveAppAuth({ strategies: 'jwt' as never })).toStrictEqual({ strategies: ['jwt'] });
    expect(resolveAppAuth({ strategies: ['jwt', 'api-key'] })).toStrictEqual({ strategies: ['jwt', 'api-key'] });
    const resolveUser = () => null;
    expect(resolveAppAuth({ resolveUser })).toStrictEqual({ resolveUser });
  });

  it.each([
    ['missing', undefined, `"appAuth" is required: it says how the phone app's user is authenticated, ${EXAMPLE}.`],
    ['a string', 'jwt', `"appAuth" is required: it says how the phone app's user is authenticated, ${EXAMPLE}.`],
    ['empty', {}, `"appAuth" needs exactly one of "strategies" and "resolveUser", ${EXAMPLE}.`],
    [
      'both',
      { strategies: ['jwt'], resolveUser: () => null },
      `"appAuth" needs exactly one of "strategies" and "resolveUser", ${EXAMPLE}.`,
    ],
    [
      'no strategy',
      { strategies: [] },
      `"appAuth.strategies" must name at least one registered passport strategy, ${EXAMPLE}.`,
    ],
    [
      'an empty name',
      { strategies: ['jwt', ''] },
      `"appAuth.strategies" must name at least one registered passport strategy, ${EXAMPLE}.`,
    ],
    [
      'a name that is no string',
      { strategies: ['jwt', 7] },
      `"appAuth.strategies" must name at least one registered passport strategy, ${EXAMPLE}.`,
    ],
    [
      'a resolver that is no function',
      { resolveUser: 'users' },
      `"appAuth.resolveUser" must be a function of the request, ${EXAMPLE}.`,
    ],
    [
      'an unknown key',
      { strategies: ['jwt'], strategy: 'jwt' },
      '"appAuth.strategy" is not an option; did you mean "strategies"? The "appAuth" options are strategies, resolveUser.',
    ],
  ])('refuses appAuth %s with its fix', (_case, appAuth, message) => {
    const error = thrown(() => resolveAppAuth(appAuth as never));
    expect(error).toBeInstanceOf(QrLoginConfigError);
    expect(error.message).toBe(misconfigured(message));
  });
});
