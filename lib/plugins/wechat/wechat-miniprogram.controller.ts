import { Body, Controller, Header, HttpCode, Post, UsePipes, UseFilters } from '@nestjs/common';
import { QrLoginErrorFilter } from '../../http/qr-login-error.filter';
import { qrLoginValidationPipe } from '../../http/qr-login.validation';
import type { QrCodeStatusView, QrScanResult } from '../../kernel/interfaces/qr-login-views.interface';
import { WechatMiniProgramActionDto } from './dto/wechat-miniprogram-action.dto';
import { QrLoginWechatService } from './wechat.service';

/**
 * The mini program's side of a `WECHAT_MINIPROGRAM` code. It proves its user
 * with a `wx.login()` code instead of the app's bearer token, so these routes
 * are open; WeChat vouches for the user. Mounted under the module's
 * `routePrefix` (see `QrLoginWechatModule`).
 */
@Controller()
@UseFilters(QrLoginErrorFilter)
@UsePipes(qrLoginValidationPipe())
export class QrLoginWechatMiniProgramController {
  constructor(private readonly wechat: QrLoginWechatService) {}

  /** SCAN; answers who asked to log in, for the page to show. */
  @Post('wechat/miniprogram/scan')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  scan(@Body() body: WechatMiniProgramActionDto): Promise<QrScanResult> {
    return this.wechat.miniProgramAction('SCAN', body) as Promise<QrScanResult>;
  }

  /** CONFIRM, by the WeChat user who scanned. */
  @Post('wechat/miniprogram/confirm')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  confirm(@Body() body: WechatMiniProgramActionDto): Promise<QrCodeStatusView> {
    return this.wechat.miniProgramAction('CONFIRM', body) as Promise<QrCodeStatusView>;
  }

  /** CANCEL, by the WeChat user who scanned. */
  @Post('wechat/miniprogram/cancel')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  cancel(@Body() body: WechatMiniProgramActionDto): Promise<QrCodeStatusView> {
    return this.wechat.miniProgramAction('CANCEL', body) as Promise<QrCodeStatusView>;
  }
}
