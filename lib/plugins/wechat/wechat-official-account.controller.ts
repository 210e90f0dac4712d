import { Controller, Get, Header, HttpCode, Param, Post, Query, Req, Res, UseFilters } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { Inject } from '@nestjs/common';
import {
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiQuery,
  ApiResponse,
  ApiTags,
  QrLoginErrorDto,
  QrLoginErrorFilter,
} from '../../plugin';
import { QR_LOGIN_WECHAT_CONFIG } from './wechat.constants';
import type { ResolvedQrLoginWechatConfig } from './wechat.config';
import { checkPlainSignature, checkPushTimestamp, queryText } from './wechat-push.verifier';
import { readWebhookBody } from './wechat-webhook.body';
import { QrLoginWechatService } from './wechat.service';

/**
 * The official account's webhook ("server URL" in its WeChat admin console):
 * `<origin>/<prefix>/wechat/official-account/<connection id>/events`.
 * Every request is checked against the connection's token and the age of its
 * timestamp before anything else. Only WeChat's servers call it, from a few
 * addresses shared by every user, so it has no per-address limit; pushes are
 * limited per WeChat user (openid) once verified.
 * @internal
 */
@Controller()
@ApiTags('qr-login-wechat')
@UseFilters(QrLoginErrorFilter)
export class QrLoginWechatOfficialAccountController {
  constructor(
    private readonly wechat: QrLoginWechatService,
    @Inject(QR_LOGIN_WECHAT_CONFIG) private readonly config: ResolvedQrLoginWechatConfig,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  /** WeChat's check of the server URL: echoes `echostr` when the signature matches. */
  @ApiOperation({
    summary: "WeChat official account: the server-URL check; echoes echostr when signed with the connection's token",
  })
  @ApiQuery({ name: 'signature', required: true })
  @ApiQuery({
    name: 'timestamp',
    required: true,
    description: 'Seconds since the epoch; at most pushTimestampWindow from now',
  })
  @ApiQuery({ name: 'nonce', required: true })
  @ApiQuery({ name: 'echostr', required: true })
  @ApiProduces('text/plain')
  @ApiOkResponse({ description: 'echostr, as text' })
  @ApiResponse({ status: 400, type: QrLoginErrorDto, description: 'QR_WECHAT_CONNECTION_NOT_FOUND' })
  @ApiResponse({
    status: 401,
    type: QrLoginErrorDto,
    description: 'QR_WECHAT_SIGNATURE_INVALID / QR_WECHAT_PUSH_STALE',
  })
  @Get('wechat/official-account/:connectionId/events')
  @Header('Content-Type', 'text/plain; charset=utf-8')
  @Header('Cache-Control', 'no-store')
  @Header('X-Content-Type-Options', 'nosniff')
  verify(@Param('connectionId') connectionId: string, @Query() query: Record<string, unknown>): string {
    checkPlainSignature(this.wechat.connectionFor('WECHAT_OFFICIAL_ACCOUNT', connectionId), query);
    checkPushTimestamp(query, this.wechat.now(), this.config.pushTimestampWindowMs);
    return queryText(query.echostr);
  }

  /** An event or text push; safe-mode connections accept only encrypted ones. */
  @ApiOperation({
    summary:
      'WeChat official account: a signed push (SCAN / subscribe through a code, or the user\'s confirming reply). Answers "success" or a passive XML reply (encrypted in safe mode)',
  })
  @ApiQuery({ name: 'signature', required: true })
  @ApiQuery({
    name: 'timestamp',
    required: true,
    description: 'Seconds since the epoch; at most pushTimestampWindow from now; with nonce, accepted once',
  })
  @ApiQuery({ name: 'nonce', required: true })
  @ApiQuery({ name: 'msg_signature', required: false, description: 'Required in safe mode (encodingAESKey set)' })
  @ApiQuery({ name: 'encrypt_type', required: false })
  @ApiProduces('text/plain', 'application/xml')
  @ApiOkResponse({ description: '"success", or a passive text reply as WeChat XML' })
  @ApiResponse({
    status: 400,
    type: QrLoginErrorDto,
    description:
      'QR_WECHAT_CONNECTION_NOT_FOUND / QR_WECHAT_WEBHOOK_BODY_INVALID / QR_WECHAT_PLAINTEXT_REFUSED / QR_WECHAT_WRONG_ACCOUNT',
  })
  @ApiResponse({
    status: 401,
    type: QrLoginErrorDto,
    description: 'QR_WECHAT_SIGNATURE_INVALID / QR_WECHAT_PUSH_STALE / QR_WECHAT_PUSH_REPLAYED',
  })
  @ApiResponse({ status: 429, type: QrLoginErrorDto, description: 'QR_RATE_LIMITED (per WeChat user)' })
  @Post('wechat/official-account/:connectionId/events')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @Header('X-Content-Type-Options', 'nosniff')
  async receive(
    @Param('connectionId') connectionId: string,
    @Query() query: Record<string, unknown>,
    @Req() request: any,
    @Res({ passthrough: true }) response: any,
  ): Promise<string> {
    const answer = await this.wechat.receiveOfficialAccountPush(connectionId, query, () =>
      readWebhookBody(request, this.config.maxWebhookBodyBytes),
    );
    this.adapterHost.httpAdapter.setHeader(response, 'Content-Type', answer.contentType);
    return answer.body;
  }
}
