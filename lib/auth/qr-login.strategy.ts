import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { Strategy as PassportBaseStrategy } from 'passport';
import { QR_LOGIN_STRATEGY } from '../kernel/qr-login.constants';
import { QrLoginHttpService } from '../http/qr-login-http.service';
import { QrLoginService } from '../kernel/qr-login.service';
import type { QrLoginContext } from '../kernel/interfaces/qr-login-options.interface';

const CONTEXT = Symbol.for('nestjs-qr-login:context');

/** The QR login behind `req.user`: the context the hooks saw, and the user `loadUser` returned. */
export interface QrLoginSignIn<TUser = unknown> extends QrLoginContext {
  user: TUser;
}

/**
 * The QR login behind `req.user`, after `QrLoginGuard` let a request through;
 * undefined on a request it did not guard. The user's type follows the
 * request's (`QrLoginRequest<User>`), or name it: `getQrLoginContext<User>(req)`.
 */
export function getQrLoginContext<TUser>(request: { user: TUser }): QrLoginSignIn<TUser> | undefined;
export function getQrLoginContext<TUser = unknown>(request: unknown): QrLoginSignIn<TUser> | undefined;
export function getQrLoginContext(request: unknown): QrLoginSignIn | undefined {
  return (request as Record<symbol, QrLoginSignIn> | undefined)?.[CONTEXT];
}

type Verify = (request: any, done: (error: unknown, user?: unknown) => void) => void;

/**
 * A minimal passport strategy that hands the whole request to its verify
 * callback: the ticket is in the body and the creator proof in a cookie or a
 * header, so no ready-made strategy reads both.
 */
class QrTicketPassportStrategy extends PassportBaseStrategy {
  constructor(private readonly verify: Verify) {
    super();
  }

  override authenticate(request: any): void {
    this.verify(request, (error, user) => {
      if (error) return this.error(error);
      if (!user) return this.fail(401);
      return this.success(user);
    });
  }
}

/**
 * Passport strategy `qr-login`: redeems the ticket in `request.body.ticket`
 * (once, and only with the proof the code's binding asks for), loads
 * the user with the `loadUser` hook and makes it `req.user`. Put
 * `@UseGuards(QrLoginGuard)` on a route to use it.
 */
@Injectable()
export class QrLoginStrategy extends PassportStrategy(QrTicketPassportStrategy, QR_LOGIN_STRATEGY) {
  constructor(
    private readonly service: QrLoginService,
    private readonly http: QrLoginHttpService,
  ) {
    super();
  }

  async validate(request: any): Promise<unknown> {
    const body = request.body;
    const ticket = body !== null && typeof body === 'object' ? (body as { ticket?: unknown }).ticket : undefined;
    const context = await this.service.redeemTicket(ticket, this.http.proofOf(request));
    const user = await this.service.loadUser(context);
    const signIn: QrLoginSignIn = { ...context, user };
    Object.defineProperty(request, CONTEXT, { value: signIn, configurable: true });
    return user;
  }
}
