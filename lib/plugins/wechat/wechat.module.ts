import { Module } from '@nestjs/common';
import { WechatApiClient } from './wechat-api.client';
import { resolveQrLoginWechatConfig } from './wechat.config';
import { QR_LOGIN_WECHAT_CONFIG, QR_LOGIN_WECHAT_EXTRAS, QR_LOGIN_WECHAT_MODULE_OPTIONS } from './wechat.constants';
import { WechatLogoMerger } from './wechat-logo.merger';
import { QrLoginWechatConfigurableModule } from './wechat.module-definition';
import { QrLoginWechatService } from './wechat.service';
import type { QrLoginWechatModuleExtras, QrLoginWechatModuleOptions } from './interfaces/wechat-options.interface';

/**
 * WeChat mini-program and official-account codes for `QrLoginModule`.
 * Import it beside `QrLoginModule.forRoot(...)` (in the same module or
 * anywhere in the app): it finds the core at start-up, fails with a message
 * if it is missing, and adds the `WECHAT_MINIPROGRAM` / `WECHAT_OFFICIAL_ACCOUNT`
 * types to `POST /<prefix>/qrcodes`, the mini program's routes and the
 * official account's webhook. Exports `QrLoginWechatService`.
 */
@Module({
  providers: [
    {
      provide: QR_LOGIN_WECHAT_CONFIG,
      inject: [QR_LOGIN_WECHAT_MODULE_OPTIONS, QR_LOGIN_WECHAT_EXTRAS],
      useFactory: (options: QrLoginWechatModuleOptions, extras: QrLoginWechatModuleExtras) =>
        resolveQrLoginWechatConfig(options, extras),
    },
    WechatApiClient,
    WechatLogoMerger,
    QrLoginWechatService,
  ],
  exports: [QrLoginWechatService],
})
export class QrLoginWechatModule extends QrLoginWechatConfigurableModule {}
