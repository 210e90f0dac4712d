import { Inject, Module, type OnModuleDestroy } from '@nestjs/common';
import { QR_LOGIN_CONFIG, QR_LOGIN_EXTRAS, QR_LOGIN_STORE } from './kernel/qr-login.constants';
import { resolveQrLoginConfig, type ResolvedQrLoginConfig } from './kernel/qr-login.config';
import { QrLoginAppUserGuard } from './auth/qr-login-app-user.guard';
import { QR_LOGIN_MODULE_OPTIONS, QrLoginConfigurableModule } from './qr-login.module-definition';
import { QrLoginService } from './kernel/qr-login.service';
import { QrLoginStrategy } from './auth/qr-login.strategy';
import { MemoryQrLoginStore } from './stores/memory-qr-login.store';
import type { QrLoginModuleExtras, QrLoginModuleOptions } from './kernel/interfaces/qr-login-options.interface';
import type { QrLoginStore } from './kernel/interfaces/qr-login-store.interface';

/**
 * Scan-to-login for a Nest app: `QrLoginModule.forRoot({ appAuth })` mounts
 * the routes under `/qr-login`, registers the `qr-login` passport strategy and
 * exports `QrLoginService`. `forRootAsync` takes `useFactory` / `useClass` /
 * `useExisting`, with `isGlobal` and `routePrefix` beside them.
 */
@Module({
  providers: [
    {
      provide: QR_LOGIN_CONFIG,
      inject: [QR_LOGIN_MODULE_OPTIONS, QR_LOGIN_EXTRAS],
      useFactory: (options: QrLoginModuleOptions, extras: QrLoginModuleExtras) =>
        resolveQrLoginConfig(options, extras),
    },
    {
      provide: QR_LOGIN_STORE,
      // Depends on the resolved config so a bad `store` fails before it is used.
      inject: [QR_LOGIN_CONFIG, QR_LOGIN_MODULE_OPTIONS],
      useFactory: (_config: ResolvedQrLoginConfig, options: QrLoginModuleOptions): QrLoginStore =>
        options.store ?? new MemoryQrLoginStore(),
    },
    QrLoginService,
    QrLoginStrategy,
    QrLoginAppUserGuard,
  ],
  exports: [QrLoginService, QR_LOGIN_STORE, QR_LOGIN_CONFIG, QrLoginAppUserGuard],
})
export class QrLoginModule extends QrLoginConfigurableModule implements OnModuleDestroy {
  constructor(
    @Inject(QR_LOGIN_STORE) private readonly store: QrLoginStore,
    @Inject(QR_LOGIN_CONFIG) private readonly config: ResolvedQrLoginConfig,
  ) {
    super();
  }

  /** Releases the store's (and the module's own rate limiter's) timers and connections when the app closes. */
  async onModuleDestroy(): Promise<void> {
    const rateLimit = this.config.security.rateLimit;
    if (rateLimit && rateLimit.ownLimiter) await rateLimit.limiter.close?.();
    await this.store.close?.();
  }
}
