import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import { type Observable, map } from 'rxjs';
import { QrLoginSseHub, type QrCodeCreated, type QrCodeStatusView } from '../../lib';
import { QrLoginController } from '../../lib/http/qr-login.controller';
import { ShortCodeService } from './short-code.service';

/**
 * Adds `shortCode` to the module's answers that bring a new code to the web
 * page: the create answer, and a rotation event on the creator's stream. The
 * library has no short codes (yet); this is the shape it would give them, so
 * the browser client reads `shortCode` the same way either way.
 */
@Injectable()
export class ShortCodeInterceptor implements NestInterceptor {
  constructor(
    private readonly shortCodes: ShortCodeService,
    hub: QrLoginSseHub,
  ) {
    // The event stream is written below Nest's interceptors: rotation events are decorated where the hub writes them.
    hub.addViewDecorator((view) => this.decorateView(view));
  }

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    // The module mounts a subclass of QrLoginController, which inherits these very functions.
    const handler = context.getHandler();
    if (handler === QrLoginController.prototype.create) {
      return next.handle().pipe(map((created: QrCodeCreated) => this.withShortCode(created)));
    }
    return next.handle();
  }

  private withShortCode<T extends { qrcodeId: string; expiresIn?: number }>(view: T): T & { shortCode?: string } {
    const shortCode = this.shortCodes.issue(view.qrcodeId, view.expiresIn ?? 0);
    return shortCode ? { ...view, shortCode } : view;
  }

  private decorateView(view: QrCodeStatusView): QrCodeStatusView {
    return view.rotatedFrom ? this.withShortCode(view) : view;
  }
}
