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
  type QrCodeStatusView,
  QrLoginRateLimitGuard,
  qrLoginValidationPipe,
} from '../../plugin';
import { GenAuthCompatService, genAuthBriefUserInfo } from './genauth-compat.service';
import {
  GenAuthChangeQrCodeStatusDto,
  GenAuthEnvelopeDto,
  GenAuthExchangeTicketDto,
  GenAuthGeneQrCodeDto,
  GenAuthGeneQrCodeRespDto,
  GenAuthIsSuccessRespDto,
  GenAuthLoginTokenRespDto,
  GenAuthQrCodeIdQueryDto,
  GenAuthQrCodeStatusRespDto,
} from './genauth-v3.dto';
import { type GenAuthEnvelope, GenAuthV3ExceptionFilter, genAuthOk } from './genauth.envelope';
import { GenAuthAppIdGuard, GenAuthAppUserGuard } from './genauth.guards';
import type { GenAuthTokenSet } from './genauth-options.interface';

/** GenAuth's `CheckQRCodeStatusDataDto` for a status view. @internal */
export function genAuthStatusData(view: QrCodeStatusView): {
  status: QrCodeStatusView['status'];
  ticket?: string;
  briefUserInfo?: { displayName: string; photo: string };
} {
  return {
    status: view.status,
    ...(view.ticket ? { ticket: view.ticket } : {}),
    ...(view.briefUserInfo ? { briefUserInfo: genAuthBriefUserInfo(view.briefUserInfo) } : {}),
  };
}

const APP_USER_HEADER = {
  name: 'authorization',
  required: true,
  description: 'The app user\'s access token, bare (as GenAuth\'s SDKs send it) or as "Bearer <token>".',
};
const FAILURES = 'Failures also answer HTTP 200, with statusCode, message, requestId and code in the envelope.';

/**
 * GenAuth V3 compatible routes (`compat: { genauthV3: true }`): what
 * `authing-node-sdk`'s `AuthenticationClient` calls for QR login, over the same
 * service and store as the native routes. Every answer is GenAuth's envelope
 * with HTTP 200, failures included.
 * @internal
 */
@ApiTags('GenAuth V3 compatible')
@ApiHeader({
  name: 'x-authing-app-id',
  required: false,
  description: "The SDK's appId; checked when QrLoginGenAuthModule's appId option is set.",
})
@Controller('api/v3')
@UseFilters(GenAuthV3ExceptionFilter)
@UseGuards(GenAuthAppIdGuard)
@UsePipes(qrLoginValidationPipe())
export class GenAuthV3Controller {
  constructor(private readonly compat: GenAuthCompatService) {}

  @Post('gene-qrcode')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @UseGuards(QrLoginRateLimitGuard('create'))
  @ApiOperation({ summary: 'Generate a QR code for login (geneQrCode)', description: FAILURES })
  @ApiOkResponse({ type: GenAuthGeneQrCodeRespDto })
  async geneQrCode(
    @Body() body: GenAuthGeneQrCodeDto,
    @Req() request: any,
    @Res({ passthrough: true }) response: any,
  ): Promise<GenAuthEnvelope<{ qrcodeId: string; url: string; customLogoUrl?: string }>> {
    const created = await this.compat.create(
      {
        type: body.type,
        ...(body.customData ? { customData: body.customData } : {}),
        ...(body.context ? { context: body.context } : {}),
        ...(body.extIdpConnId ? { extIdpConnId: body.extIdpConnId } : {}),
        ...(body.autoMergeQrCode !== undefined ? { autoMergeQrCode: body.autoMergeQrCode } : {}),
      },
      request,
      response,
    );
    return genAuthOk({
      qrcodeId: created.qrcodeId,
      url: created.url,
      ...(created.customLogoUrl ? { customLogoUrl: created.customLogoUrl } : {}),
    });
  }

  @Get('check-qrcode-status')
  @Header('Cache-Control', 'no-store')
  @UseGuards(QrLoginRateLimitGuard('status'))
  @ApiOperation({
    summary: "QR code status (checkQrCodeStatus, GenAuth's deprecated twin of get-qrcode-status)",
    description: FAILURES,
  })
  @ApiOkResponse({ type: GenAuthQrCodeStatusRespDto })
  async checkQrCodeStatus(@Query() query: GenAuthQrCodeIdQueryDto, @Req() request: any) {
    return genAuthOk(genAuthStatusData(await this.compat.status(query.qrcodeId, request)));
  }

  @Get('get-qrcode-status')
  @Header('Cache-Control', 'no-store')
  @UseGuards(QrLoginRateLimitGuard('status'))
  @ApiOperation({ summary: 'QR code status (getQrCodeStatus)', description: FAILURES })
  @ApiOkResponse({ type: GenAuthQrCodeStatusRespDto })
  async getQrCodeStatus(@Query() query: GenAuthQrCodeIdQueryDto, @Req() request: any) {
    return genAuthOk(genAuthStatusData(await this.compat.status(query.qrcodeId, request)));
  }

  @Post('exchange-tokenset-with-qrcode-ticket')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @UseGuards(QrLoginRateLimitGuard('redeem'))
  @ApiOperation({
    summary: 'Exchange the ticket of an AUTHORIZED code for a token set, once (exchangeTokenSetWithQrCodeTicket)',
    description: `Client authentication per QrLoginGenAuthModule's tokenEndpointAuthMethod. ${FAILURES}`,
  })
  @ApiOkResponse({ type: GenAuthLoginTokenRespDto })
  async exchangeTokenSetWithQrCodeTicket(
    @Body() body: GenAuthExchangeTicketDto,
    @Req() request: any,
  ): Promise<GenAuthEnvelope<GenAuthTokenSet>> {
    const { tokenSet } = await this.compat.exchange(body.ticket, request, body);
    return genAuthOk(tokenSet);
  }

  @Post('change-qrcode-status')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @UseGuards(GenAuthAppUserGuard, QrLoginRateLimitGuard('appAction'))
  @ApiHeader(APP_USER_HEADER)
  @ApiOperation({
    summary: 'App side: SCAN, CONFIRM or CANCEL (changeQrCodeStatus); answers no data',
    description: FAILURES,
  })
  @ApiOkResponse({ type: GenAuthEnvelopeDto })
  async changeQrCodeStatus(@Body() body: GenAuthChangeQrCodeStatusDto, @Req() request: any): Promise<GenAuthEnvelope> {
    await this.compat.act(body.qrcodeId, body.action, request.user, request, body.matchCode);
    return genAuthOk();
  }

  @Post('set-qrcode-status')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @UseGuards(GenAuthAppUserGuard, QrLoginRateLimitGuard('appAction'))
  @ApiHeader(APP_USER_HEADER)
  @ApiOperation({
    summary: 'App side: SCAN, CONFIRM or CANCEL (setQrCodeStatus); answers { success }',
    description: FAILURES,
  })
  @ApiOkResponse({ type: GenAuthIsSuccessRespDto })
  async setQrCodeStatus(
    @Body() body: GenAuthChangeQrCodeStatusDto,
    @Req() request: any,
  ): Promise<GenAuthEnvelope<{ success: boolean }>> {
    await this.compat.act(body.qrcodeId, body.action, request.user, request, body.matchCode);
    return genAuthOk({ success: true });
  }
}
