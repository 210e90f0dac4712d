import {
  applyDecorators,
  Body,
  Controller,
  Header,
  HttpCode,
  Post,
  Req,
  UseFilters,
  UseGuards,
  type Type,
} from '@nestjs/common';
import { QrLoginRateLimitGuard } from './rate-limit/qr-login-rate-limit.guard';
import { QrLoginAppUserGuard } from '../auth/qr-login-app-user.guard';
import { QrLoginErrorFilter } from './qr-login-error.filter';
import { QrLoginHttpService } from './qr-login-http.service';
import { QrLoginService } from '../kernel/qr-login.service';
import { qrLoginValidationPipe } from './qr-login.validation';
import { ScanUserCodeDto } from './dto/scan-user-code.dto';
import { CancelUserCodeDto, ConfirmUserCodeDto } from './dto/user-code-actions.dto';
import {
  QrCodeStatusViewDto,
  QrLoginErrorDto,
  QrScanResultDto,
  QrUserCodeRequestDto,
} from './dto/qr-login-responses.dto';
import { ApiBearerAuth, ApiBody, ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from './qr-login.openapi';
import type { QrCodeStatusView, QrScanResult, QrUserCodeRequest } from '../kernel/interfaces/qr-login-views.interface';

/** The module's validation, for request bodies only, as on `QrLoginController` (and for the same reason). */
const body = qrLoginValidationPipe();

/**
 * What every phone route by user code shares: a POST answered 200 and never
 * cached, for an app user (`appAuth`), counted against that user's
 * `appAction` limit, documented as bearer-authenticated with its body and
 * answer types. One place, so no route can drop the guard or the limit.
 */
function PhoneUserCodeRoute(path: string, summary: string, bodyType: Type<unknown>, answerType: Type<unknown>) {
  return applyDecorators(
    ApiOperation({ summary }),
    ApiBearerAuth(),
    ApiBody({ type: bodyType }),
    ApiOkResponse({ type: answerType }),
    ApiResponse({ status: 404, type: QrLoginErrorDto, description: 'QR_USER_CODE_NOT_FOUND' }),
    ApiResponse({ status: 429, type: QrLoginErrorDto, description: 'QR_RATE_LIMITED' }),
    Post(`user-codes/${path}`),
    HttpCode(200),
    Header('Cache-Control', 'no-store'),
    UseGuards(QrLoginAppUserGuard, QrLoginRateLimitGuard('appAction')),
  );
}

/**
 * The phone's routes by user code (the short code a person types, e.g.
 * WDJB-MJHT, or reads from a device-grant link): scan, describe, confirm and
 * cancel. A device flow is reached only this way; a QR code's own routes by
 * id are on `QrLoginController`. Mounted by the module beside it, under the
 * same `routePrefix` and with the same route decorators.
 * @internal
 */
@Controller()
@ApiTags('qr-login')
@UseFilters(QrLoginErrorFilter)
export class QrLoginUserCodeController {
  constructor(
    private readonly service: QrLoginService,
    private readonly http: QrLoginHttpService,
  ) {}

  /**
   * Phone: SCAN by user code (typed, or from a device-grant link, as `entry`
   * says); answers as the scan by `qrcodeId` does. The only way to a device
   * flow, which is then confirmed and cancelled by user code too (below); a QR may go on
   * by its `qrcodeId`. Every attempt, a wrong code included, counts against
   * the user's `appAction` limit.
   */
  @PhoneUserCodeRoute(
    'scan',
    'Phone: SCAN by user code (e.g. WDJB-MJHT); answers who asked to log in and the qrcodeId',
    ScanUserCodeDto,
    QrScanResultDto,
  )
  @ApiResponse({ status: 400, type: QrLoginErrorDto, description: 'QR_VALIDATION_FAILED' })
  scanUserCode(@Body(body) payload: ScanUserCodeDto, @Req() request: any): Promise<QrScanResult> {
    return this.service.scanByUserCode(payload?.userCode, request.user, this.http.requesterOf(request), {
      entry: payload?.entry,
    });
  }

  /**
   * Phone: what a user code asks (the flow, the client, the site), read-only:
   * for a phone page opened by a link, to show the request before the user
   * taps anything. Counts against the user's `appAction` limit like a scan.
   */
  @PhoneUserCodeRoute(
    'describe',
    'Phone: what a user code asks (flow, client, site), without acting on it',
    CancelUserCodeDto,
    QrUserCodeRequestDto,
  )
  @ApiResponse({ status: 410, type: QrLoginErrorDto, description: 'QR_EXPIRED' })
  describeUserCode(@Body(body) payload: CancelUserCodeDto): Promise<QrUserCodeRequest> {
    return this.service.describeUserCode(payload?.userCode);
  }

  /** Phone: CONFIRM by user code, by the user who scanned it (a device flow's only way). */
  @PhoneUserCodeRoute(
    'confirm',
    'Phone: CONFIRM by user code, by the user who scanned',
    ConfirmUserCodeDto,
    QrCodeStatusViewDto,
  )
  @ApiResponse({ status: 400, type: QrLoginErrorDto, description: 'QR_VALIDATION_FAILED / QR_MATCH_REQUIRED' })
  @ApiResponse({ status: 403, type: QrLoginErrorDto, description: 'QR_NOT_SCANNER / QR_MATCH_FAILED' })
  confirmUserCode(@Body(body) payload: ConfirmUserCodeDto, @Req() request: any): Promise<QrCodeStatusView> {
    const options = { matchCode: payload?.matchCode, passkey: payload?.passkey };
    return this.service.actByUserCode(payload?.userCode, 'CONFIRM', request.user, options) as Promise<QrCodeStatusView>;
  }

  /** Phone: CANCEL by user code, by the user who scanned it. */
  @PhoneUserCodeRoute(
    'cancel',
    'Phone: CANCEL by user code, by the user who scanned',
    CancelUserCodeDto,
    QrCodeStatusViewDto,
  )
  @ApiResponse({ status: 403, type: QrLoginErrorDto, description: 'QR_NOT_SCANNER' })
  cancelUserCode(@Body(body) payload: CancelUserCodeDto, @Req() request: any): Promise<QrCodeStatusView> {
    return this.service.actByUserCode(payload?.userCode, 'CANCEL', request.user) as Promise<QrCodeStatusView>;
  }
}
