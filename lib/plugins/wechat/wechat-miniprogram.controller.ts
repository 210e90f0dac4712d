import { Body, Controller, Header, HttpCode, Post, UseFilters, UseGuards, UsePipes } from '@nestjs/common';
import {
  ApiBody,
  ApiOkResponse,
  ApiOperation,
  ApiResponse,
  ApiTags,
  type QrCodeStatusView,
  QrCodeStatusViewDto,
  QrLoginErrorDto,
  QrLoginErrorFilter,
  QrLoginRateLimitGuard,
  qrLoginValidationPipe,
  type QrScanResult,
  QrScanResultDto,
} from '../../plugin';
import { WechatMiniProgramActionDto } from './dto/wechat-miniprogram-action.dto';
import { QrLoginWechatService } from './wechat.service';

/**
 * The mini program's side of a `WECHAT_MINIPROGRAM` code. It proves its user
 * with a `wx.login()` code instead of the app's bearer token, so these routes
 * are open; WeChat vouches for the user. Mounted under the module's
 * `routePrefix` (see `QrLoginWechatModule`). Rate limits: the `appAction`
 * rule per address here (the user is not known before WeChat names them),
 * and per openid once it does (in the service).
 * @internal
 */
@Controller()
@ApiTags('qr-login-wechat')
@UseGuards(QrLoginRateLimitGuard('appAction'))
@UseFilters(QrLoginErrorFilter)
@UsePipes(qrLoginValidationPipe())
export class QrLoginWechatMiniProgramController {
  constructor(private readonly wechat: QrLoginWechatService) {}

  /** SCAN; answers who asked to log in, for the page to show. */
  @ApiOperation({ summary: 'Mini program: SCAN with a wx.login() code; answers who asked to log in' })
  @ApiBody({ type: WechatMiniProgramActionDto })
  @ApiOkResponse({ type: QrScanResultDto })
  @ApiResponse({ status: 401, type: QrLoginErrorDto, description: 'QR_WECHAT_LOGIN_CODE_INVALID' })
  @ApiResponse({ status: 403, type: QrLoginErrorDto, description: 'QR_WECHAT_USER_REFUSED' })
  @ApiResponse({
    status: 409,
    type: QrLoginErrorDto,
    description: 'QR_WECHAT_WRONG_TYPE / QR_WRONG_STATE / QR_ALREADY_SCANNED',
  })
  @ApiResponse({ status: 410, type: QrLoginErrorDto, description: 'QR_EXPIRED' })
  @ApiResponse({ status: 429, type: QrLoginErrorDto, description: 'QR_RATE_LIMITED' })
  @Post('wechat/miniprogram/scan')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  scan(@Body() body: WechatMiniProgramActionDto): Promise<QrScanResult> {
    return this.wechat.miniProgramAction('SCAN', body) as Promise<QrScanResult>;
  }

  /** CONFIRM, by the WeChat user who scanned. */
  @ApiOperation({ summary: 'Mini program: CONFIRM, by the WeChat user who scanned (matchCode with number matching)' })
  @ApiBody({ type: WechatMiniProgramActionDto })
  @ApiOkResponse({ type: QrCodeStatusViewDto })
  @ApiResponse({ status: 401, type: QrLoginErrorDto, description: 'QR_WECHAT_LOGIN_CODE_INVALID' })
  @ApiResponse({
    status: 403,
    type: QrLoginErrorDto,
    description: 'QR_WECHAT_USER_REFUSED / QR_NOT_SCANNER / QR_MATCH_FAILED',
  })
  @ApiResponse({ status: 409, type: QrLoginErrorDto, description: 'QR_WECHAT_WRONG_TYPE / QR_WRONG_STATE' })
  @ApiResponse({ status: 410, type: QrLoginErrorDto, description: 'QR_EXPIRED' })
  @ApiResponse({ status: 429, type: QrLoginErrorDto, description: 'QR_RATE_LIMITED' })
  @Post('wechat/miniprogram/confirm')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  confirm(@Body() body: WechatMiniProgramActionDto): Promise<QrCodeStatusView> {
    return this.wechat.miniProgramAction('CONFIRM', body) as Promise<QrCodeStatusView>;
  }

  /** CANCEL, by the WeChat user who scanned. */
  @ApiOperation({ summary: 'Mini program: CANCEL, by the WeChat user who scanned' })
  @ApiBody({ type: WechatMiniProgramActionDto })
  @ApiOkResponse({ type: QrCodeStatusViewDto })
  @ApiResponse({ status: 401, type: QrLoginErrorDto, description: 'QR_WECHAT_LOGIN_CODE_INVALID' })
  @ApiResponse({ status: 403, type: QrLoginErrorDto, description: 'QR_WECHAT_USER_REFUSED / QR_NOT_SCANNER' })
  @ApiResponse({ status: 409, type: QrLoginErrorDto, description: 'QR_WECHAT_WRONG_TYPE / QR_WRONG_STATE' })
  @ApiResponse({ status: 410, type: QrLoginErrorDto, description: 'QR_EXPIRED' })
  @ApiResponse({ status: 429, type: QrLoginErrorDto, description: 'QR_RATE_LIMITED' })
  @Post('wechat/miniprogram/cancel')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  cancel(@Body() body: WechatMiniProgramActionDto): Promise<QrCodeStatusView> {
    return this.wechat.miniProgramAction('CANCEL', body) as Promise<QrCodeStatusView>;
  }
}
