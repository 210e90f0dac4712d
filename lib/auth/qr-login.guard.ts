import { Injectable } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';
import { QR_LOGIN_STRATEGY } from '../kernel/qr-login.constants';
import { qrErrors } from '../kernel/qr-login.errors';
import { toHttpError } from '../http/qr-login.exception';

/**
 * `@UseGuards(QrLoginGuard)` on a route makes a request carrying a valid
 * ticket (`{ ticket }` in the JSON body) arrive with `req.user` set to the
 * user who confirmed. A missing, wrong, expired or used ticket is a 401 whose
 * `code` says which.
 */
@Injectable()
export class QrLoginGuard extends AuthGuard(QR_LOGIN_STRATEGY) {
  override handleRequest<TUser = unknown>(error: unknown, user: TUser): TUser {
    // Guards run before any filter of the app's route, so refusals become HTTP answers here.
    if (error) throw toHttpError(error);
    if (!user) throw toHttpError(qrErrors.ticketMissing());
    return user;
  }
}
