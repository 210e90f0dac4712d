import { Inject, Module, type OnModuleInit } from '@nestjs/common';
import { QrLoginService } from '../../plugin';
import { devicePrefixOf } from './device.constants';
import { QR_LOGIN_DEVICE_CONFIG, QR_LOGIN_DEVICE_EXTRAS, QR_LOGIN_DEVICE_MODULE_OPTIONS } from './device.constants';
import { QrLoginDeviceGrantConfigError, resolveDeviceGrantConfig } from './device.config';
import { QrLoginDeviceGrantService } from './device-grant.service';
import { DeviceGrantErrorFilter } from './device-error.filter';
import { QrLoginDeviceGrantConfigurableModule } from './device.module-definition';
import type { QrLoginDeviceGrantModuleExtras, QrLoginDeviceGrantModuleOptions } from './device-options.interface';

/**
 * The OAuth 2.0 device authorization grant (RFC 8628) for `QrLoginModule`:
 * import `QrLoginDeviceGrantModule.forRoot({ clients: [{ clientId: 'my-cli' }] })`
 * beside it, and a TV, a CLI or a second device logs in with the phone:
 * `POST /qr-login/device_authorization`, the user scans or types the user
 * code on the phone (`POST /qr-login/user-codes/scan`, then confirm), and
 * `POST /qr-login/token` answers the app's token set once. `discovery: true`
 * serves RFC 8414 metadata. A plugin over the kernel's public service.
 */
@Module({
  providers: [
    {
      provide: QR_LOGIN_DEVICE_CONFIG,
      inject: [QR_LOGIN_DEVICE_MODULE_OPTIONS],
      useFactory: (options: QrLoginDeviceGrantModuleOptions) => resolveDeviceGrantConfig(options),
    },
    QrLoginDeviceGrantService,
    DeviceGrantErrorFilter,
  ],
  exports: [QrLoginDeviceGrantService],
})
export class QrLoginDeviceGrantModule extends QrLoginDeviceGrantConfigurableModule implements OnModuleInit {
  constructor(
    private readonly kernel: QrLoginService,
    @Inject(QR_LOGIN_DEVICE_EXTRAS) private readonly extras: QrLoginDeviceGrantModuleExtras,
  ) {
    super();
  }

  /** The token endpoint answers a token set for a user code the phone typed, so both must be on in the kernel. */
  onModuleInit(): void {
    const settings = this.kernel.settings;
    if (!settings.issuesTokenSets) {
      throw new QrLoginDeviceGrantConfigError(
        'the token endpoint answers a token set for the confirmed user, but QrLoginModule has no issueTokenSet hook: set one returning at least { access_token, expires_in }.',
      );
    }
    if (!settings.userCodes) {
      throw new QrLoginDeviceGrantConfigError(
        'the device grant hands out user codes, but QrLoginModule has userCodes: false; leave that option out or set it true.',
      );
    }
    if (devicePrefixOf(this.extras.routePrefix) !== settings.routePrefix) {
      throw new QrLoginDeviceGrantConfigError(
        `its routePrefix "${devicePrefixOf(this.extras.routePrefix)}" differs from QrLoginModule's "${settings.routePrefix}"; give QrLoginDeviceGrantModule the same routePrefix.`,
      );
    }
  }
}
