import { ConfigurableModuleBuilder, Controller, type Type } from '@nestjs/common';
import { wechatRoutePrefix } from './wechat.config';
import { QR_LOGIN_WECHAT_EXTRAS, QR_LOGIN_WECHAT_MODULE_OPTIONS } from './wechat.constants';
import { QrLoginWechatMiniProgramController } from './wechat-miniprogram.controller';
import { QrLoginWechatOfficialAccountController } from './wechat-official-account.controller';
import type { QrLoginWechatModuleExtras, QrLoginWechatModuleOptions } from './interfaces/wechat-options.interface';

/**
 * Controllers get their path from a decorator, which runs before any provider
 * exists; so, as in the core module, the prefix is an extra and each prefix
 * gets subclasses carrying it.
 */
function at<T>(prefix: string, base: Type<T>): Type<T> {
  @Controller(prefix)
  class Prefixed extends (base as Type<any>) {}
  Object.defineProperty(Prefixed, 'name', { value: base.name });
  return Prefixed as Type<T>;
}

export const {
  ConfigurableModuleClass: QrLoginWechatConfigurableModule,
  OPTIONS_TYPE: QR_LOGIN_WECHAT_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: QR_LOGIN_WECHAT_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<QrLoginWechatModuleOptions>({ optionsInjectionToken: QR_LOGIN_WECHAT_MODULE_OPTIONS })
  .setClassMethodName('forRoot')
  .setFactoryMethodName('createQrLoginWechatOptions')
  .setExtras<QrLoginWechatModuleExtras>({ routePrefix: undefined }, (definition, extras) => {
    const prefix = wechatRoutePrefix(extras.routePrefix);
    return {
      ...definition,
      controllers: [
        ...(definition.controllers ?? []),
        at(prefix, QrLoginWechatMiniProgramController),
        at(prefix, QrLoginWechatOfficialAccountController),
      ],
      providers: [...(definition.providers ?? []), { provide: QR_LOGIN_WECHAT_EXTRAS, useValue: extras }],
    };
  })
  .build();

/** What `QrLoginWechatModule.forRoot()` takes: the options plus the extras. */
export type QrLoginWechatForRootOptions = typeof QR_LOGIN_WECHAT_OPTIONS_TYPE;
/** What `QrLoginWechatModule.forRootAsync()` takes: `imports`, `inject`, `useFactory` | `useClass` | `useExisting`, plus the extras. */
export type QrLoginWechatForRootAsyncOptions = typeof QR_LOGIN_WECHAT_ASYNC_OPTIONS_TYPE;
