import { ConfigurableModuleBuilder } from '@nestjs/common';
import { mountQrLoginController, resolveRouteDecorators } from '../../plugin';
import { wechatRoutePrefix } from './wechat.config';
import { QR_LOGIN_WECHAT_EXTRAS, QR_LOGIN_WECHAT_MODULE_OPTIONS } from './wechat.constants';
import { QrLoginWechatMiniProgramController } from './wechat-miniprogram.controller';
import { QrLoginWechatOfficialAccountController } from './wechat-official-account.controller';
import type { QrLoginWechatModuleExtras, QrLoginWechatModuleOptions } from './interfaces/wechat-options.interface';

export const {
  ConfigurableModuleClass: QrLoginWechatConfigurableModule,
  OPTIONS_TYPE: QR_LOGIN_WECHAT_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: QR_LOGIN_WECHAT_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<QrLoginWechatModuleOptions>({ optionsInjectionToken: QR_LOGIN_WECHAT_MODULE_OPTIONS })
  .setClassMethodName('forRoot')
  .setFactoryMethodName('createQrLoginWechatOptions')
  .setExtras<QrLoginWechatModuleExtras>(
    { routePrefix: undefined, routeDecorators: undefined },
    (definition, extras) => {
      // Controllers get their path from a decorator, which runs before any provider
      // exists; so, as in the core module, the prefix and the app's route
      // decorators are extras, and each module instance mounts subclasses carrying them.
      const path = wechatRoutePrefix(extras.routePrefix);
      const decorators = resolveRouteDecorators(extras.routeDecorators, 'QrLoginWechatModule');
      return {
        ...definition,
        controllers: [
          ...(definition.controllers ?? []),
          mountQrLoginController(QrLoginWechatMiniProgramController, { path, decorators }),
          mountQrLoginController(QrLoginWechatOfficialAccountController, { path, decorators }),
        ],
        providers: [...(definition.providers ?? []), { provide: QR_LOGIN_WECHAT_EXTRAS, useValue: extras }],
      };
    },
  )
  .build();

/** What `QrLoginWechatModule.forRoot()` takes: the options plus the extras. */
export type QrLoginWechatForRootOptions = typeof QR_LOGIN_WECHAT_OPTIONS_TYPE;
/** What `QrLoginWechatModule.forRootAsync()` takes: `imports`, `inject`, `useFactory` | `useClass` | `useExisting`, plus the extras. */
export type QrLoginWechatForRootAsyncOptions = typeof QR_LOGIN_WECHAT_ASYNC_OPTIONS_TYPE;
