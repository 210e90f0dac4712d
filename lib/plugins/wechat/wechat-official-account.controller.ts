import { Controller, Get, Header, HttpCode, Inject, Param, Post, Query, Req, UseFilters } from '@nestjs/common';
import { QrLoginErrorFilter } from '../../http/qr-login-error.filter';
import { QR_LOGIN_WECHAT_CONFIG } from './wechat.constants';
import type { ResolvedQrLoginWechatConfig } from './wechat.config';
import { decryptWechatMessage, isWechatSignature } from './wechat-crypto';
import { wechatErrors } from './wechat.errors';
import { parseWechatXml, readWebhookBody } from './wechat-webhook.body';
import { QrLoginWechatService } from './wechat.service';
import type { WechatOfficialAccountConnection } from './interfaces/wechat-options.interface';

/** A query parameter as one string ('' when absent or repeated oddly). */
function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/**
 * The official account's webhook ("server URL" in its WeChat admin console):
 * `<origin>/<prefix>/wechat/official-account/<connection id>/events`.
 * Every request is checked against the connection's token before anything
 * else; WeChat gets the plain-text `success` it expects.
 */
@Controller()
@UseFilters(QrLoginErrorFilter)
export class QrLoginWechatOfficialAccountController {
  constructor(
    private readonly wechat: QrLoginWechatService,
    @Inject(QR_LOGIN_WECHAT_CONFIG) private readonly config: ResolvedQrLoginWechatConfig,
  ) {}

  /** WeChat's check of the server URL: echoes `echostr` when the signature matches. */
  @Get('wechat/official-account/:connectionId/events')
  @Header('Content-Type', 'text/plain; charset=utf-8')
  @Header('Cache-Control', 'no-store')
  @Header('X-Content-Type-Options', 'nosniff')
  verify(@Param('connectionId') connectionId: string, @Query() query: Record<string, unknown>): string {
    this.verified(connectionId, query);
    return text(query.echostr);
  }

  /** An event push (plain or, with `encrypt_type=aes`, encrypted). */
  @Post('wechat/official-account/:connectionId/events')
  @HttpCode(200)
  @Header('Content-Type', 'text/plain; charset=utf-8')
  async receive(
    @Param('connectionId') connectionId: string,
    @Query() query: Record<string, unknown>,
    @Req() request: any,
  ): Promise<string> {
    const connection = this.verified(connectionId, query);
    const raw = await readWebhookBody(request, this.config.maxWebhookBodyBytes);
    let message = parseWechatXml(raw);
    if (text(query.encrypt_type) === 'aes') {
      if (!connection.encodingAESKey) {
        throw wechatErrors.webhookBodyInvalid(
          `the push is encrypted but connection "${connection.id}" has no "encodingAESKey"; add the account's EncodingAESKey.`,
        );
      }
      const encrypted = message.Encrypt;
      if (!encrypted) throw wechatErrors.webhookBodyInvalid('an encrypted push without <Encrypt>.');
      if (!isWechatSignature(query.msg_signature, connection.token, text(query.timestamp), text(query.nonce), encrypted)) {
        throw wechatErrors.signatureInvalid();
      }
      let plain: string;
      try {
        plain = decryptWechatMessage(encrypted, connection.encodingAESKey, connection.appId);
      } catch {
        throw wechatErrors.webhookBodyInvalid(
          `it does not decrypt to a message for app id ${connection.appId}; check the connection's "encodingAESKey" and "appId".`,
        );
      }
      message = parseWechatXml(plain);
    }
    await this.wechat.handleOfficialAccountMessage(connection.id, message);
    return 'success';
  }

  private verified(connectionId: string, query: Record<string, unknown>): WechatOfficialAccountConnection {
    const connection = this.wechat.connectionFor('WECHAT_OFFICIAL_ACCOUNT', connectionId);
    if (!isWechatSignature(query.signature, connection.token, text(query.timestamp), text(query.nonce))) {
      throw wechatErrors.signatureInvalid();
    }
    return connection;
  }
}
