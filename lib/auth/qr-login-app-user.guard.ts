import { CanActivate, ExecutionContext, HttpException, Inject, Injectable } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';
import { QR_LOGIN_CONFIG } from '../kernel/qr-login.constants';
import type { ResolvedQrLoginConfig } from '../kernel/qr-login.config';
import { qrErrors } from '../kernel/qr-login.errors';
import { toHttpError } from '../http/qr-login.exception';

/**
 * Guards the app-side actions (scan / confirm / cancel): authenticates the
 * phone's user with the app's own passport strategies or `resolveUser`
 * (`appAuth` option) and leaves the user in `request.user`. Anything short
 * of a user is the 401 `QR_APP_USER_UNAUTHENTICATED`.
 */
@Injectable()
export class QrLoginAppUserGuard implements CanActivate {
  private readonly passportGuard?: CanActivate;

  constructor(@Inject(QR_LOGIN_CONFIG) private readonly config: ResolvedQrLoginConfig) {
    const strategies = config.appAuth.strategies;
    if (strategies) {
      class AppStrategiesGuard extends AuthGuard(strategies) {
        override handleRequest(error: unknown, user: unknown): any {
          // The app's own HTTP errors (e.g. a banned user) keep their meaning.
          if (error instanceof HttpException) throw error;
          if (error || !user) throw toHttpError(qrErrors.appUserUnauthenticated());
          return user;
        }
      }
      this.passportGuard = new AppStrategiesGuard();
    }
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest();
    if (this.passportGuard) return (await this.passportGuard.canActivate(context)) as boolean;
    const user = await this.config.appAuth.resolveUser!(request);
    if (!user) throw toHttpError(qrErrors.appUserUnauthenticated());
    request.user = user;
    return true;
  }
}
