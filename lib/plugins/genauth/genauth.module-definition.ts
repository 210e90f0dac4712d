import { ConfigurableModuleBuilder } from '@nestjs/common';
import { mountQrLoginController, resolveRouteDecorators } from '../../plugin';
import { QR_LOGIN_GENAUTH_EXTRAS, QR_LOGIN_GENAUTH_MODULE_OPTIONS } from './genauth.constants';
import { GenAuthV2Controller } from './genauth-v2.controller';
import { GenAuthV3Controller } from './genauth-v3.controller';
import type { QrLoginGenAuthModuleExtras, QrLoginGenAuthModuleOptions } from './genauth-options.interface';

export const {
  ConfigurableModuleClass: QrLoginGenAuthConfigurableModule,
  OPTIONS_TYPE: QR_LOGIN_GENAUTH_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: QR_LOGIN_GENAUTH_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<QrLoginGenAuthModuleOptions>({
  optionsInjectionToken: QR_LOGIN_GENAUTH_MODULE_OPTIONS,
})
  .setClassMethodName('forRoot')
  .setFactoryMethodName('createQrLoginGenAuthOptions')
  // Controllers are chosen before any provider exists, so the route sets are extras. Every extra needs a key here.
  .setExtras<QrLoginGenAuthModuleExtras>(
    { v3: undefined, v2: undefined, routeDecorators: undefined },
    (definition, extras) => {
      // Mounted as subclasses, so the app's route decorators never touch the shared classes.
      const decorators = resolveRouteDecorators(extras.routeDecorators, 'QrLoginGenAuthModule');
      return {
        ...definition,
        controllers: [
          ...(definition.controllers ?? []),
          // Invalid values are reported by the options validation when the module starts.
          ...((extras.v3 ?? true) === true ? [mountQrLoginController(GenAuthV3Controller, { decorators })] : []),
          ...(extras.v2 === true ? [mountQrLoginController(GenAuthV2Controller, { decorators })] : []),
        ],
        providers: [...(definition.providers ?? []), { provide: QR_LOGIN_GENAUTH_EXTRAS, useValue: extras }],
      };
    },
  )
  .build();

/** What `QrLoginGenAuthModule.forRoot()` takes: the options plus `v3` / `v2`. */
export type QrLoginGenAuthForRootOptions = typeof QR_LOGIN_GENAUTH_OPTIONS_TYPE;
/** What `QrLoginGenAuthModule.forRootAsync()` takes: `imports`, `inject`, `useFactory` | `useClass` | `useExisting`, plus `v3` / `v2`. */
export type QrLoginGenAuthForRootAsyncOptions = typeof QR_LOGIN_GENAUTH_ASYNC_OPTIONS_TYPE;
