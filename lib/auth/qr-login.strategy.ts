import { Inject, Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { Strategy as PassportBaseStrategy } from 'passport';
import { QR_LOGIN_CONFIG, QR_LOGIN_STRATEGY } from '../kernel/qr-login.constants';
import type { ResolvedQrLoginConfig } from '../kernel/qr-login.config';
import { creatorSecretsOf } from '../http/qr-login.http';
import { QrLoginService } from '../kernel/qr-login.service';
import type { QrLoginContext } from '../kernel/interfaces/qr-login-options.interface';


const CONTEXT = Symbol.for('nestjs-qr-login:context');

/** The QR login behind `req.user`, after `QrLoginGuard` let a request through. */
export function getQrLoginContext(request: unknown): QrLoginContext | undefined {
  return (request as Record<symbol, QrLoginContext> | undefined)?.[CONTEXT];
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
 * (once, and only with the creator's secret when `bindToCreator` is on), loads
 * the user with the `loadUser` hook and makes it `req.user`. Put
 * `@UseGuards(QrLoginGuard)` on a route to use it.
 */
@Injectable()
export class QrLoginStrategy extends PassportStrategy(QrTicketPassportStrategy, QR_LOGIN_STRATEGY) {
  constructor(
    private readonly service: QrLoginService,
    @Inject(QR_LOGIN_CONFIG) private readonly config: ResolvedQrLoginConfig,
  ) {
    super();
  }

  async validate(request: any): Promise<unknown> {
    const body = request?.body;
    const ticket = body !== null && typeof body === 'object' ? (body as { ticket?: unknown }).ticket : undefined;
    const context = await this.service.redeemTicket(ticket, creatorSecretsOf(request, this.config));
    const user = await this.service.loadUser(context);
    Object.defineProperty(request, CONTEXT, { value: context, configurable: true });
    return user;
  }
}
