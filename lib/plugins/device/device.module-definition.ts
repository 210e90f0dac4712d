import { ConfigurableModuleBuilder } from '@nestjs/common';
import { resolveRouteDecorators } from '../../plugin';
import { QR_LOGIN_DEVICE_EXTRAS, QR_LOGIN_DEVICE_MODULE_OPTIONS } from './device.constants';
import { deviceDiscoveryControllerAt, deviceGrantControllerAt } from './device.controller';
import { devicePrefixOf } from './device.constants';
import type { QrLoginDeviceGrantModuleExtras, QrLoginDeviceGrantModuleOptions } from './device-options.interface';

export const {
  ConfigurableModuleClass: QrLoginDeviceGrantConfigurableModule,
  OPTIONS_TYPE: QR_LOGIN_DEVICE_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: QR_LOGIN_DEVICE_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<QrLoginDeviceGrantModuleOptions>({
  optionsInjectionToken: QR_LOGIN_DEVICE_MODULE_OPTIONS,
})
  .setClassMethodName('forRoot')
  .setFactoryMethodName('createQrLoginDeviceGrantOptions')
  // Controllers and their paths are chosen before any provider exists, so these are extras. Every extra needs a key here.
  .setExtras<QrLoginDeviceGrantModuleExtras>(
    { routePrefix: undefined, discovery: undefined, routeDecorators: undefined },
    (definition, extras) => {
      const prefix = devicePrefixOf(extras.routePrefix);
      // Mounted as the module's own controllers are, so a global guard sees them the same way.
      const decorators = resolveRouteDecorators(extras.routeDecorators, 'QrLoginDeviceGrantModule');
      return {
        ...definition,
        controllers: [
          ...(definition.controllers ?? []),
          deviceGrantControllerAt(prefix, decorators),
          ...(extras.discovery === true ? [deviceDiscoveryControllerAt(prefix, decorators)] : []),
        ],
        providers: [...(definition.providers ?? []), { provide: QR_LOGIN_DEVICE_EXTRAS, useValue: extras }],
      };
    },
  )
  .build();

/** What `QrLoginDeviceGrantModule.forRoot()` takes: the options plus `routePrefix` / `discovery`. */
export type QrLoginDeviceGrantForRootOptions = typeof QR_LOGIN_DEVICE_OPTIONS_TYPE;
/** What `QrLoginDeviceGrantModule.forRootAsync()` takes: `imports`, `inject`, `useFactory` | `useClass` | `useExisting`, plus the extras. */
export type QrLoginDeviceGrantForRootAsyncOptions = typeof QR_LOGIN_DEVICE_ASYNC_OPTIONS_TYPE;
