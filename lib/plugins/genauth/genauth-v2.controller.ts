import {
  Body,
  Controller,
  Get,
  Header,
  HttpCode,
  Post,
  Query,
  Req,
  Res,
  UseFilters,
  UseGuards,
  UsePipes,
} from '@nestjs/common';
import {
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  type QrCodeAction,
  type QrCodeStatus,
  type QrCodeStatusView,
  qrErrors,
  QrLoginRateLimitGuard,
  qrLoginValidationPipe,
} from '../../plugin';
import { GenAuthCompatService } from './genauth-compat.service';
import {
  GenAuthV2ActionRespDto,
  GenAuthV2GeneDto,
  GenAuthV2GeneRespDto,
  GenAuthV2RandomDto,
  GenAuthV2RandomQueryDto,
  GenAuthV2StatusRespDto,
  GenAuthV2TicketDto,
  GenAuthV2UserInfoRespDto,
} from './genauth-v2.dto';
import { type GenAuthV2Envelope, GenAuthV2ExceptionFilter, genAuthV2Ok } from './genauth.envelope';
import { GenAuthAppIdGuard, GenAuthAppUserGuard } from './genauth.guards';

/** V2's numeric statuses, as `QrCodeAuthenticationClient.startPolling` reads them. @internal */
export const GENAUTH_V2_STATUS: Readonly<Record<QrCodeStatus, number>> = {
  PENDING: 0,
  SCANNED: 1,
  AUTHORIZED: 2,
  CANCELLED: 3,
  EXPIRED: -1,
  ERROR: 5,
};

/** V2's `QRCodeUserInfo` before the exchange: the SDK reads `nickname` (its "scanned" overlay) and `photo`. */
function briefUserInfoV2(view: QrCodeStatusView): { nickname: string; photo: string } | Record<string, never> {
  return view.briefUserInfo ? { nickname: view.briefUserInfo.displayName, photo: view.briefUserInfo.photo ?? '' } : {};
}

// Fields of V2's QRCodeUserInfo taken from the loaded user when they are strings; nothing else of it is sent.
const V2_USER_FIELDS = ['username', 'email', 'phone'] as const;

const APP_USER_HEADER = {
  name: 'authorization',
  required: true,
  description: 'The app user\'s access token, as "Bearer <token>" or bare.',
};
const FAILURES =
  'Failures also answer HTTP 200, with code (2241: no such QR code, 2020: not logged in, else the HTTP-style status) and message.';

/**
 * GenAuth V2 compatible routes (`compat: { genauthV2: true }`): what
 * `authing-js-sdk`'s `QrCodeAuthenticationClient` calls in the browser
 * (`geneCode`, `checkStatus` polled by `startScanning`, `exchangeUserInfo`),
 * plus GenAuth's V2 app-side calls `scanned` / `confirm` / `cancel`.
 * @internal
 */
@ApiTags('GenAuth V2 compatible')
@Controller('api/v2/qrcode')
@UseFilters(GenAuthV2ExceptionFilter)
@UseGuards(GenAuthAppIdGuard)
@UsePipes(qrLoginValidationPipe())
export class GenAuthV2Controller {
  constructor(private readonly compat: GenAuthCompatService) {}

  @Post('gene')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @UseGuards(QrLoginRateLimitGuard('create'))
  @ApiOperation({ summary: 'Generate a QR code (geneCode); the id is "random"', description: FAILURES })
  @ApiOkResponse({ type: GenAuthV2GeneRespDto })
  async gene(@Body() body: GenAuthV2GeneDto, @Req() request: any, @Res({ passthrough: true }) response: any) {
    const scene = body.scene ?? 'APP_AUTH';
    if (scene !== 'APP_AUTH') {
      throw qrErrors.validation(
        `scene ${scene} is not served here; use APP_AUTH (scan with your own app: client.qrcode).`,
      );
    }
    const customData = body.params ?? body.customData;
    const created = await this.compat.create(
      { type: 'MOBILE_APP', ...(customData ? { customData } : {}), ...(body.context ? { context: body.context } : {}) },
      request,
      response,
    );
    return genAuthV2Ok({
      random: created.qrcodeId,
      url: created.url,
      expiresIn: created.expiresIn,
      ...(created.customLogoUrl ? { customLogo: created.customLogoUrl } : {}),
    });
  }

  @Get('check')
  @Header('Cache-Control', 'no-store')
  @UseGuards(QrLoginRateLimitGuard('status'))
  @ApiOperation({ summary: 'QR code status, polled by startScanning (checkStatus)', description: FAILURES })
  @ApiOkResponse({ type: GenAuthV2StatusRespDto })
  async check(@Query() query: GenAuthV2RandomQueryDto, @Req() request: any) {
    const view = await this.compat.status(query.random, request);
    return genAuthV2Ok(
      {
        random: query.random,
        status: GENAUTH_V2_STATUS[view.status],
        ticket: view.ticket ?? null,
        userInfo: briefUserInfoV2(view),
      },
      'Query QR code status successfully',
    );
  }

  @Post('userinfo')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @UseGuards(QrLoginRateLimitGuard('redeem'))
  @ApiOperation({
    summary: 'Exchange the ticket for the user and their token, once (exchangeUserInfo)',
    description: `Client authentication per QrLoginGenAuthModule's tokenEndpointAuthMethod. ${FAILURES}`,
  })
  @ApiOkResponse({ type: GenAuthV2UserInfoRespDto })
  async userinfo(@Body() body: GenAuthV2TicketDto, @Req() request: any) {
    const { tokenSet, user, context } = await this.compat.exchange(body.ticket, request, body);
    const source = (user !== null && typeof user === 'object' ? user : {}) as Record<string, unknown>;
    const extra: Record<string, string> = {};
    for (const field of V2_USER_FIELDS) {
      if (typeof source[field] === 'string') extra[field] = source[field] as string;
    }
    return genAuthV2Ok(
      {
        id: context.userId,
        nickname: context.briefUserInfo.displayName,
        photo: context.briefUserInfo.photo ?? '',
        ...extra,
        token: tokenSet.access_token,
        tokenExpiredAt: new Date(Date.now() + tokenSet.expire_in * 1000).toISOString(),
      },
      'Exchanged the ticket for user info',
    );
  }

  @Post('scanned')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @UseGuards(GenAuthAppUserGuard, QrLoginRateLimitGuard('appAction'))
  @ApiHeader(APP_USER_HEADER)
  @ApiOperation({ summary: 'App side: mark the code scanned', description: FAILURES })
  @ApiOkResponse({ type: GenAuthV2ActionRespDto })
  scanned(@Body() body: GenAuthV2RandomDto, @Req() request: any) {
    return this.act(body.random, 'SCAN', request, 'Scanned; waiting for the user to confirm');
  }

  @Post('confirm')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @UseGuards(GenAuthAppUserGuard, QrLoginRateLimitGuard('appAction'))
  @ApiHeader(APP_USER_HEADER)
  @ApiOperation({ summary: 'App side: confirm the login (after scanned, by the same user)', description: FAILURES })
  @ApiOkResponse({ type: GenAuthV2ActionRespDto })
  confirm(@Body() body: GenAuthV2RandomDto, @Req() request: any) {
    return this.act(body.random, 'CONFIRM', request, 'Login authorized', body.matchCode);
  }

  @Post('cancel')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @UseGuards(GenAuthAppUserGuard, QrLoginRateLimitGuard('appAction'))
  @ApiHeader(APP_USER_HEADER)
  @ApiOperation({ summary: 'App side: cancel the login (after scanned, by the same user)', description: FAILURES })
  @ApiOkResponse({ type: GenAuthV2ActionRespDto })
  cancel(@Body() body: GenAuthV2RandomDto, @Req() request: any) {
    return this.act(body.random, 'CANCEL', request, 'Login cancelled');
  }

  private async act(
    random: string,
    action: QrCodeAction,
    request: any,
    description: string,
    matchCode?: string,
  ): Promise<GenAuthV2Envelope<{ random: string; status: number; description: string }>> {
    const result = await this.compat.act(random, action, request.user, request, matchCode);
    return genAuthV2Ok({ random, status: GENAUTH_V2_STATUS[result.status], description }, description);
  }
}
