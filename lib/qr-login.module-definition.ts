import { ConfigurableModuleBuilder, type ConfigurableModuleAsyncOptions } from '@nestjs/common';
import { QR_LOGIN_DEFAULTS, QR_LOGIN_EXTRAS } from './kernel/qr-login.constants';
import { resolveRoutePrefix } from './kernel/qr-login.config';
import { QrLoginController } from './http/qr-login.controller';
import { QrLoginUserCodeController } from './http/qr-login-user-code.controller';
import { mountQrLoginController, resolveRouteDecorators } from './http/qr-login.routes';
import { QrLoginClientController } from './http/qr-login-client.controller';
import { QrLoginPasskeyController } from './http/qr-login-passkey.controller';
import { loadQrLoginClientAssets, QR_LOGIN_CLIENT_ASSETS } from './http/qr-login-client.assets';
import type { QrLoginModuleExtras } from './kernel/interfaces/qr-login-options.interface';
import type { QrLoginModuleOptions } from './qr-login.module-options';

export const {
  ConfigurableModuleClass: QrLoginConfigurableModule,
  MODULE_OPTIONS_TOKEN: QR_LOGIN_MODULE_OPTIONS,
  OPTIONS_TYPE: QR_LOGIN_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: QR_LOGIN_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<QrLoginModuleOptions>({ optionsInjectionToken: 'QR_LOGIN:MODULE_OPTIONS' })
  .setClassMethodName('forRoot')
  .setFactoryMethodName('createQrLoginOptions')
  .setExtras<QrLoginModuleExtras>(
    // Every extra needs a key here (even undefined): Nest strips only these keys from the options.
    { routePrefix: QR_LOGIN_DEFAULTS.routePrefix, routeDecorators: undefined, serveClient: undefined },
    (definition, extras) => {
      const prefix = resolveRoutePrefix(extras.routePrefix);
      const decorators = resolveRouteDecorators(extras.routeDecorators);
      // Read while the module is declared: a missing client build stops the app at start.
      const clientAssets = loadQrLoginClientAssets(extras.serveClient);
      return {
        ...definition,
        // Always global: plugins imported beside the module (GenAuth, WeChat, the
        // device grant) inject its public service wherever the app imports them.
        global: true,
        // Controllers get their path from a decorator, which runs before any provider
        // exists; so the prefix (and the app's route decorators) are module extras,
        // and each module instance mounts a subclass carrying them.
        controllers: [
          ...(definition.controllers ?? []),
          mountQrLoginController(QrLoginController, { path: prefix, decorators }),
          mountQrLoginController(QrLoginUserCodeController, { path: prefix, decorators }),
          mountQrLoginController(QrLoginPasskeyController, { path: prefix, decorators }),
          ...(clientAssets ? [mountQrLoginController(QrLoginClientController, { path: prefix, decorators })] : []),
        ],
        providers: [
          ...(definition.providers ?? []),
          { provide: QR_LOGIN_EXTRAS, useValue: extras },
          ...(clientAssets ? [{ provide: QR_LOGIN_CLIENT_ASSETS, useValue: clientAssets }] : []),
        ],
      };
    },
  )
  .build();

/** What `QrLoginModule.forRoot()` takes: the options plus the extras; `TUser` is the app's user type. */
export type QrLoginForRootOptions<TUser = any> = QrLoginModuleOptions<TUser> & Partial<QrLoginModuleExtras>;
/** What `QrLoginModule.forRootAsync()` takes: `imports`, `inject`, `useFactory` | `useClass` | `useExisting`, plus the extras. */
export type QrLoginForRootAsyncOptions<TUser = any> = ConfigurableModuleAsyncOptions<
  QrLoginModuleOptions<TUser>,
  'createQrLoginOptions'
> &
  Partial<QrLoginModuleExtras>;

// The builder's own types, kept in step with the generic ones above.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
const _forRootTypesAgree: Same<typeof QR_LOGIN_OPTIONS_TYPE, QrLoginForRootOptions> = true;
const _forRootAsyncTypesAgree: Same<typeof QR_LOGIN_ASYNC_OPTIONS_TYPE, QrLoginForRootAsyncOptions> = true;
void _forRootTypesAgree;
void _forRootAsyncTypesAgree;
