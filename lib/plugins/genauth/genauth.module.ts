import { Inject, Module, type OnModuleInit } from '@nestjs/common';
import { QrLoginService } from '../../plugin';
import { QR_LOGIN_GENAUTH_CONFIG, QR_LOGIN_GENAUTH_EXTRAS, QR_LOGIN_GENAUTH_MODULE_OPTIONS } from './genauth.constants';
import { QrLoginGenAuthConfigError, resolveGenAuthConfig, type ResolvedGenAuthConfig } from './genauth.config';
import { GenAuthCompatService } from './genauth-compat.service';
import { GenAuthAppIdGuard, GenAuthAppUserGuard } from './genauth.guards';
import { GenAuthV2ExceptionFilter, GenAuthV3ExceptionFilter } from './genauth.envelope';
import { QrLoginGenAuthConfigurableModule } from './genauth.module-definition';
import type { QrLoginGenAuthModuleExtras, QrLoginGenAuthModuleOptions } from './genauth-options.interface';

/**
 * GenAuth (Authing) compatible routes for `QrLoginModule`: import
 * `QrLoginGenAuthModule.forRoot({ v2: true, tokenEndpointAuthMethod: 'none' })`
 * beside `QrLoginModule.forRoot(...)`, and GenAuth's own SDKs work against the
 * app unchanged. A plugin over the kernel's public service: its codes carry
 * their own binding, and codes made elsewhere keep theirs.
 */
@Module({
  providers: [
    {
      provide: QR_LOGIN_GENAUTH_CONFIG,
      inject: [QR_LOGIN_GENAUTH_MODULE_OPTIONS, QR_LOGIN_GENAUTH_EXTRAS],
      useFactory: (options: QrLoginGenAuthModuleOptions, extras: QrLoginGenAuthModuleExtras) =>
        resolveGenAuthConfig(options, extras),
    },
    GenAuthCompatService,
    GenAuthAppIdGuard,
    GenAuthAppUserGuard,
    GenAuthV3ExceptionFilter,
    GenAuthV2ExceptionFilter,
  ],
  exports: [GenAuthCompatService],
})
export class QrLoginGenAuthModule extends QrLoginGenAuthConfigurableModule implements OnModuleInit {
  constructor(
    @Inject(QR_LOGIN_GENAUTH_CONFIG) private readonly config: ResolvedGenAuthConfig,
    private readonly kernel: QrLoginService,
  ) {
    super();
  }

  /** The exchange answers a token set, so some hook must issue one. */
  onModuleInit(): void {
    if (!this.config.issueTokenSet && !this.kernel.settings.issuesTokenSets) {
      throw new QrLoginGenAuthConfigError(
        'the exchange answers a token set for the confirmed user, but no hook issues one: set issueTokenSet in QrLoginModule (returning at least access_token and expires_in) or in QrLoginGenAuthModule.',
      );
    }
  }
}
