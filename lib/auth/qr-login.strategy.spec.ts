import type { ExecutionContext } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import passport from 'passport';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QrLoginModule } from '../qr-login.module';
import { QrLoginService } from '../kernel/qr-login.service';
import { QR_LOGIN_SECRET_HEADER, QR_LOGIN_STRATEGY } from '../kernel/qr-login.constants';
import { MemoryQrLoginStore } from '../stores/memory-qr-login.store';
import { QrLoginException } from '../http/qr-login.exception';
import { QrLoginGuard } from './qr-login.guard';
import { getQrLoginContext } from './qr-login.strategy';

/*
 * The ticket's way to `req.user`: the real kernel on the memory store, the
 * `qr-login` strategy as the module registers it with passport, and
 * `QrLoginGuard` in front of it, as on an app's own login route.
 */

/** Users `loadUser` knows; "zero" stands for an app whose user value is falsy. */
const USERS: Record<string, unknown> = { alice: { id: 'alice', name: 'Alice' }, zero: 0, refused: null };

type Request = { body?: unknown; headers: Record<string, string>; user?: unknown };

function contextOf(request: Request): ExecutionContext {
  return {
    switchToHttp: () => ({ getRequest: () => request, getResponse: () => ({}), getNext: () => undefined }),
  } as unknown as ExecutionContext;
}

describe('QrLoginStrategy behind QrLoginGuard', () => {
  let moduleRef: TestingModule;
  let service: QrLoginService;
  const guard = new QrLoginGuard();

  beforeAll(async () => {
    moduleRef = await Test.createTestingModule({
      imports: [
        QrLoginModule.forRoot({
          appAuth: { resolveUser: () => null },
          rateLimit: false,
          store: new MemoryQrLoginStore(),
          loadUser: (userId) => USERS[userId] as never,
        }),
      ],
    }).compile();
    await moduleRef.init();
    service = moduleRef.get(QrLoginService);
  });
  afterAll(async () => {
    await moduleRef?.close();
  });

  /** A code confirmed by `userId`: its ticket and the creator secret that may redeem it. */
  async function confirmedBy(userId: string): Promise<{ ticket: string; secret: string; qrcodeId: string }> {
    const created = await service.create();
    const appUser = { id: userId };
    await service.scan(created.qrcodeId, appUser);
    await service.confirm(created.qrcodeId, appUser, { matchCode: created.matchCode });
    const view = await service.getStatus(created.qrcodeId, { creatorSecrets: [created.creatorSecret] });
    return { ticket: view.ticket!, secret: created.creatorSecret, qrcodeId: created.qrcodeId };
  }

  /** What the guard does with `request`: true, or the refusal's status and code. */
  async function guarded(request: Request) {
    try {
      return await guard.canActivate(contextOf(request));
    } catch (error) {
      expect(error).toBeInstanceOf(QrLoginException);
      const refusal = error as QrLoginException;
      return { status: refusal.getStatus(), code: refusal.code };
    }
  }

  it('lets a request with a valid ticket and its creator secret through, as the user who confirmed', async () => {
    const { ticket, secret, qrcodeId } = await confirmedBy('alice');
    const request: Request = { body: { ticket }, headers: { [QR_LOGIN_SECRET_HEADER]: secret } };
    expect(await guarded(request)).toBe(true);
    expect(request.user).toEqual({ id: 'alice', name: 'Alice' });
    const signIn = getQrLoginContext(request);
    expect(signIn).toMatchObject({ qrcodeId, userId: 'alice', flow: 'qr', amr: ['qr'] });
    expect(signIn?.user).toBe(request.user);
    // A global symbol: a second copy of the package (CommonJS beside ESM) reads the same context.
    expect((request as unknown as Record<symbol, unknown>)[Symbol.for('nestjs-qr-login:context')]).toBe(signIn);
    // Not enumerable: a copy of the request (a logger's, say) does not carry it along.
    expect(getQrLoginContext({ ...request })).toBeUndefined();
  });

  it('takes the latest sign-in when one request object is guarded twice', async () => {
    const first = await confirmedBy('alice');
    const second = await confirmedBy('alice');
    const request: Request = { body: { ticket: first.ticket }, headers: { [QR_LOGIN_SECRET_HEADER]: first.secret } };
    expect(await guarded(request)).toBe(true);
    request.body = { ticket: second.ticket };
    request.headers[QR_LOGIN_SECRET_HEADER] = second.secret;
    expect(await guarded(request)).toBe(true);
    expect(getQrLoginContext(request)?.qrcodeId).toBe(second.qrcodeId);
  });

  it('refuses a request without a ticket as QR_TICKET_MISSING, whatever its body', async () => {
    const missing = { status: 401, code: 'QR_TICKET_MISSING' };
    for (const body of [undefined, null, {}, 'ticket=abc', { ticket: '' }, { ticket: 42 }]) {
      const request: Request = { body, headers: {} };
      expect(await guarded(request)).toEqual(missing);
      expect(request.user).toBeUndefined();
      expect(getQrLoginContext(request)).toBeUndefined();
    }
  });

  it('answers the kernel’s own refusal: a wrong ticket, no creator secret, a used ticket', async () => {
    const { ticket, secret } = await confirmedBy('alice');
    expect(await guarded({ body: { ticket: 'not-a-ticket' }, headers: {} })).toEqual({
      status: 401,
      code: 'QR_TICKET_INVALID',
    });
    expect(await guarded({ body: { ticket }, headers: {} })).toEqual({
      status: 401,
      code: 'QR_CREATOR_SECRET_REQUIRED',
    });
    expect(await guarded({ body: { ticket }, headers: { [QR_LOGIN_SECRET_HEADER]: secret } })).toBe(true);
    expect(await guarded({ body: { ticket }, headers: { [QR_LOGIN_SECRET_HEADER]: secret } })).toEqual({
      status: 401,
      code: 'QR_TICKET_USED',
    });
  });

  it('refuses a user loadUser does not return as QR_USER_REFUSED, and leaves no context', async () => {
    const { ticket, secret } = await confirmedBy('refused');
    const request: Request = { body: { ticket }, headers: { [QR_LOGIN_SECRET_HEADER]: secret } };
    expect(await guarded(request)).toEqual({ status: 401, code: 'QR_USER_REFUSED' });
    expect(getQrLoginContext(request)).toBeUndefined();
  });

  it('answers passport with QR_USER_REFUSED, not a user, for any falsy user (0 here)', async () => {
    const { ticket, secret } = await confirmedBy('zero');
    const request = { body: { ticket }, headers: { [QR_LOGIN_SECRET_HEADER]: secret } };
    const answer = await new Promise<unknown[]>((resolve) => {
      passport.authenticate(QR_LOGIN_STRATEGY, { session: false }, (...args: unknown[]) => resolve(args))(
        request,
        {},
        () => undefined,
      );
    });
    expect(answer[0]).toMatchObject({ code: 'QR_USER_REFUSED' });
    expect(answer[1]).toBeUndefined();
  });

  it('answers passport with the error for a refused ticket', async () => {
    const answer = await new Promise<unknown[]>((resolve) => {
      passport.authenticate(QR_LOGIN_STRATEGY, { session: false }, (...args: unknown[]) => resolve(args))(
        { body: { ticket: 'not-a-ticket' }, headers: {} },
        {},
        () => undefined,
      );
    });
    expect(answer[0]).toMatchObject({ code: 'QR_TICKET_INVALID' });
  });
});

describe('getQrLoginContext', () => {
  it('is undefined on a request no guard let through, and on no request at all', () => {
    expect(getQrLoginContext({ user: { id: 'alice' } })).toBeUndefined();
    expect(getQrLoginContext(undefined)).toBeUndefined();
    expect(getQrLoginContext(null)).toBeUndefined();
  });
});
