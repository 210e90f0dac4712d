import { type ExecutionContext, ForbiddenException } from '@nestjs/common';
import type { IncomingHttpHeaders } from 'node:http';
import passport, { Strategy } from 'passport';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveQrLoginConfig } from '../kernel/qr-login.config';
import type { QrLoginAppAuthOptions } from '../kernel/interfaces/qr-login-options.interface';
import { QrLoginException } from '../http/qr-login.exception';
import { QrLoginAppUserGuard } from './qr-login-app-user.guard';

/*
 * App-user resolution, the gate of scan, confirm and cancel: with the app's own
 * passport strategies (real passport, strategies registered by name) and with
 * `resolveUser`. Anything short of a user must be the 401
 * QR_APP_USER_UNAUTHENTICATED, and only a user may reach `request.user`.
 */

const alice = { id: 'alice' };
const bob = { id: 'bob' };

type Request = { headers: Record<string, string>; user?: unknown };

/** `Authorization: Bearer <name>`: alice passes, "banned" is the app's own 403, "broken" a plain failure. */
class BearerStrategy extends Strategy {
  override readonly name = 'test-bearer';
  override authenticate(request: { headers: IncomingHttpHeaders }): void {
    const token = request.headers.authorization?.replace(/^Bearer /, '');
    if (token === 'alice') return this.success(alice);
    if (token === 'banned') return this.error(new ForbiddenException('banned'));
    if (token === 'broken') return this.error(new Error('user database unreachable'));
    return this.fail(401);
  }
}

/** `X-Api-Key: bob` passes; anything else fails. */
class ApiKeyStrategy extends Strategy {
  override readonly name = 'test-api-key';
  override authenticate(request: { headers: IncomingHttpHeaders }): void {
    if (request.headers['x-api-key'] === 'bob') return this.success(bob);
    return this.fail(401);
  }
}

function contextOf(request: Request): ExecutionContext {
  return {
    switchToHttp: () => ({ getRequest: () => request, getResponse: () => ({}), getNext: () => undefined }),
  } as unknown as ExecutionContext;
}

function guardWith(appAuth: QrLoginAppAuthOptions): QrLoginAppUserGuard {
  return new QrLoginAppUserGuard(resolveQrLoginConfig({ appAuth }));
}

/** What the guard does with `headers`: the user it let through, or the refusal's status and code. */
async function outcome(guard: QrLoginAppUserGuard, headers: Record<string, string>) {
  const request: Request = { headers };
  try {
    const allowed = await guard.canActivate(contextOf(request));
    return { allowed, user: request.user };
  } catch (error) {
    expect('user' in request).toBe(false);
    if (error instanceof QrLoginException) return { status: error.getStatus(), code: error.code };
    return { thrown: error };
  }
}

const UNAUTHENTICATED = { status: 401, code: 'QR_APP_USER_UNAUTHENTICATED' };

describe('QrLoginAppUserGuard with the app’s passport strategies', () => {
  beforeAll(() => {
    passport.use(new BearerStrategy());
    passport.use(new ApiKeyStrategy());
  });
  afterAll(() => {
    passport.unuse('test-bearer');
    passport.unuse('test-api-key');
  });

  it('leaves the strategy’s user in request.user', async () => {
    const guard = guardWith({ strategies: 'test-bearer' });
    expect(await outcome(guard, { authorization: 'Bearer alice' })).toEqual({ allowed: true, user: alice });
  });

  it('refuses a request the strategy fails as QR_APP_USER_UNAUTHENTICATED, not passport’s bare 401', async () => {
    const guard = guardWith({ strategies: 'test-bearer' });
    expect(await outcome(guard, { authorization: 'Bearer mallory' })).toEqual(UNAUTHENTICATED);
    expect(await outcome(guard, {})).toEqual(UNAUTHENTICATED);
  });

  it('keeps the app’s own HTTP error, and turns any other error into QR_APP_USER_UNAUTHENTICATED', async () => {
    const guard = guardWith({ strategies: 'test-bearer' });
    const banned = await outcome(guard, { authorization: 'Bearer banned' });
    expect(banned.thrown).toBeInstanceOf(ForbiddenException);
    expect(await outcome(guard, { authorization: 'Bearer broken' })).toEqual(UNAUTHENTICATED);
  });

  it('tries the strategies in turn: the first user wins, none is a refusal', async () => {
    const guard = guardWith({ strategies: ['test-bearer', 'test-api-key'] });
    expect(await outcome(guard, { authorization: 'Bearer alice', 'x-api-key': 'bob' })).toEqual({
      allowed: true,
      user: alice,
    });
    expect(await outcome(guard, { 'x-api-key': 'bob' })).toEqual({ allowed: true, user: bob });
    expect(await outcome(guard, { 'x-api-key': 'eve' })).toEqual(UNAUTHENTICATED);
  });

  it('never calls resolveUser then, and a strategy named alone is asked, not another', async () => {
    const guard = guardWith({ strategies: ['test-api-key'] });
    expect(await outcome(guard, { authorization: 'Bearer alice' })).toEqual(UNAUTHENTICATED);
  });
});

describe('QrLoginAppUserGuard with resolveUser', () => {
  /** resolveUser answers the value named by the x-user header (JSON), and records the requests it saw. */
  const seen: unknown[] = [];
  const guard = guardWith({
    resolveUser: async (request: Request) => {
      seen.push(request);
      return JSON.parse(request.headers['x-user'] ?? 'null');
    },
  });

  it('leaves what resolveUser returned for this request in request.user', async () => {
    seen.length = 0;
    expect(await outcome(guard, { 'x-user': '{"id":"alice"}' })).toEqual({ allowed: true, user: alice });
    expect(seen).toHaveLength(1);
    expect((seen[0] as Request).headers['x-user']).toBe('{"id":"alice"}');
  });

  it('refuses null, undefined and false as QR_APP_USER_UNAUTHENTICATED', async () => {
    expect(await outcome(guard, { 'x-user': 'null' })).toEqual(UNAUTHENTICATED);
    expect(await outcome(guard, { 'x-user': 'false' })).toEqual(UNAUTHENTICATED);
    const undefinedGuard = guardWith({ resolveUser: () => undefined });
    expect(await outcome(undefinedGuard, {})).toEqual(UNAUTHENTICATED);
  });

  it('refuses every other falsy value too (0, an empty string), as passport takes no falsy user', async () => {
    expect(await outcome(guard, { 'x-user': '0' })).toEqual(UNAUTHENTICATED);
    expect(await outcome(guard, { 'x-user': '""' })).toEqual(UNAUTHENTICATED);
    expect(await outcome(guard, { 'x-user': '"u-1"' })).toEqual({ allowed: true, user: 'u-1' });
  });

  it('lets resolveUser’s own error through untouched', async () => {
    const failing = guardWith({
      resolveUser: () => {
        throw new ForbiddenException('banned');
      },
    });
    expect((await outcome(failing, {})).thrown).toBeInstanceOf(ForbiddenException);
  });
});
