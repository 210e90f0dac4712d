import { type DynamicModule, Inject, Module, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import {
  QR_LOGIN_CONFIG,
  QR_LOGIN_EXTRAS,
  QR_LOGIN_RATE_LIMITER,
  QR_LOGIN_RISK,
  QR_LOGIN_STORE,
} from './kernel/qr-login.constants';
import { resolveQrLoginConfig, type ResolvedQrLoginConfig } from './kernel/qr-login.config';
import { QrLoginService } from './kernel/qr-login.service';
import { QrLoginHttpService } from './http/qr-login-http.service';
import { QrLoginSseHub } from './http/qr-login-sse.hub';
import { QrLoginDpopGuard } from './http/dpop/qr-login-dpop.guard';
import { QrLoginDpopVerifier } from './http/dpop/qr-login-dpop.verifier';
import { MemoryQrLoginRateLimiter } from './http/rate-limit/memory-rate-limiter';
import { QrLoginAppUserGuard } from './auth/qr-login-app-user.guard';
import { QrLoginStrategy } from './auth/qr-login.strategy';
import { checkAppAuthStrategies } from './auth/qr-login-app-auth.check';
import {
  QR_LOGIN_MODULE_OPTIONS,
  QrLoginConfigurableModule,
  type QrLoginForRootAsyncOptions,
  type QrLoginForRootOptions,
} from './qr-login.module-definition';
import { MemoryQrLoginStore } from './stores/memory-qr-login.store';
import { QrLoginConfigError } from './kernel/qr-login.errors';
import type { QrLoginModuleExtras } from './kernel/interfaces/qr-login-options.interface';
import type { QrLoginRiskPort } from './kernel/interfaces/qr-login-risk.port';
import { QR_LOGIN_LAYERED_OPTIONS, type QrLoginModuleOptions } from './qr-login.module-options';
import { QrLoginRiskAssessor, type ResolvedRiskConfig } from './risk/qr-login-risk.assessor';
import { QR_LOGIN_RISK_CONFIG, resolveRiskConfig } from './risk/qr-login-risk.config';
import type { QrLoginRateLimiter } from './kernel/interfaces/qr-login-rate-limiter.interface';
import type { QrLoginStore } from './kernel/interfaces/qr-login-store.interface';
import { QR_LOGIN_APPROVAL, type QrLoginApprovalPort } from './kernel/interfaces/qr-login-approval.port';
import {
  QR_LOGIN_PASSKEY_CONFIG,
  resolvePasskeyConfig,
  type ResolvedPasskeyConfig,
} from './passkey/qr-login-passkey.config';
import { QrLoginPasskeyApproval } from './passkey/qr-login-passkey.approval';
import { QrLoginPasskeyRegistration } from './passkey/qr-login-passkey.registration';

/**
 * The limiter the rate limits count with: the app's `rateLimit.limiter`; else
 * one in the store, so instances sharing a store share each limit; else, for
 * the in-memory store (one process anyway), an in-memory one. A store of
 * another kind that offers none stops the start: counting per instance there
 * would multiply every limit by the number of instances.
 */
function defaultRateLimiter(config: ResolvedQrLoginConfig, store: QrLoginStore): QrLoginRateLimiter {
  const given = config.security.rateLimit && config.security.rateLimit.limiter;
  if (given) return given;
  const shared = store.createRateLimiter?.();
  if (shared) return shared;
  if (store instanceof MemoryQrLoginStore || !config.security.rateLimit)
    return new MemoryQrLoginRateLimiter(config.clock);
  throw new QrLoginConfigError(
    `The store (${store.constructor?.name ?? 'custom'}) offers no shared rate limiter (createRateLimiter), so each instance would count every rate limit on its own. ` +
      'Choose one: rateLimit: { limiter: new RedisQrLoginRateLimiter({ client }) } or a ThrottlerStorageQrLoginRateLimiter to share the limits, ' +
      'or rateLimit: { limiter: new MemoryQrLoginRateLimiter() } if only one process uses this store.',
  );
}

/**
 * Scan-to-login for a Nest app: `QrLoginModule.forRoot({ appAuth })` mounts
 * the routes under `/qr-login`, registers the `qr-login` passport strategy and
 * provides `QrLoginService` app-wide, so plugins imported beside it (GenAuth
 * compatibility, WeChat, the device grant) reach the kernel through its public
 * service only. `forRootAsync` takes `useFactory` / `useClass` / `useExisting`,
 * with `routePrefix` beside them.
 */
@Module({
  providers: [
    {
      provide: QR_LOGIN_CONFIG,
      inject: [QR_LOGIN_MODULE_OPTIONS, QR_LOGIN_EXTRAS],
      useFactory: (options: QrLoginModuleOptions, extras: QrLoginModuleExtras) =>
        resolveQrLoginConfig(options, extras, QR_LOGIN_LAYERED_OPTIONS),
    },
    {
      // The risk layer reads its own option, after the kernel's are known good.
      provide: QR_LOGIN_RISK_CONFIG,
      inject: [QR_LOGIN_CONFIG, QR_LOGIN_MODULE_OPTIONS],
      useFactory: (_config: ResolvedQrLoginConfig, options: QrLoginModuleOptions): ResolvedRiskConfig =>
        resolveRiskConfig(options.risk),
    },
    {
      // The kernel's risk port, as the risk layer implements it.
      provide: QR_LOGIN_RISK,
      inject: [QR_LOGIN_RISK_CONFIG],
      useFactory: (risk: ResolvedRiskConfig): QrLoginRiskPort => new QrLoginRiskAssessor(risk),
    },
    {
      // The passkey layer reads its own options, after the kernel's are known good.
      provide: QR_LOGIN_PASSKEY_CONFIG,
      inject: [QR_LOGIN_CONFIG, QR_LOGIN_MODULE_OPTIONS],
      useFactory: (config: ResolvedQrLoginConfig, options: QrLoginModuleOptions): ResolvedPasskeyConfig =>
        resolvePasskeyConfig(options.approval, options.passkeys, config.appName),
    },
    {
      // The kernel's approval port: which method a scan asks for, and the check of a passkey assertion.
      provide: QR_LOGIN_APPROVAL,
      inject: [QR_LOGIN_PASSKEY_CONFIG, QR_LOGIN_STORE],
      useFactory: (passkeys: ResolvedPasskeyConfig, store: QrLoginStore): QrLoginApprovalPort =>
        new QrLoginPasskeyApproval(passkeys, store),
    },
    {
      provide: QrLoginPasskeyRegistration,
      inject: [QR_LOGIN_PASSKEY_CONFIG, QR_LOGIN_STORE, QR_LOGIN_CONFIG],
      useFactory: (passkeys: ResolvedPasskeyConfig, store: QrLoginStore, config: ResolvedQrLoginConfig) =>
        new QrLoginPasskeyRegistration(passkeys, store, config.getUserId),
    },
    {
      provide: QR_LOGIN_STORE,
      // Depends on the resolved config so a bad `store` fails before it is used.
      inject: [QR_LOGIN_CONFIG, QR_LOGIN_MODULE_OPTIONS],
      useFactory: (_config: ResolvedQrLoginConfig, options: QrLoginModuleOptions): QrLoginStore =>
        options.store ?? new MemoryQrLoginStore(),
    },
    {
      provide: QR_LOGIN_RATE_LIMITER,
      inject: [QR_LOGIN_CONFIG, QR_LOGIN_STORE],
      useFactory: defaultRateLimiter,
    },
    QrLoginService,
    QrLoginHttpService,
    QrLoginSseHub,
    QrLoginStrategy,
    QrLoginAppUserGuard,
    QrLoginDpopVerifier,
    QrLoginDpopGuard,
  ],
  exports: [
    QrLoginService,
    QrLoginHttpService,
    QrLoginSseHub,
    QrLoginAppUserGuard,
    // DPoP proofs (RFC 9449), for plugins and app routes that take them (the device grant, a DPoP-bound session).
    QrLoginDpopVerifier,
    QrLoginDpopGuard,
    // For the guards plugins mount (rate limits, app user); the tokens are named only by the plugin entry.
    QR_LOGIN_CONFIG,
    QR_LOGIN_RATE_LIMITER,
    // For telemetry and health checks that watch the store the module runs on.
    QR_LOGIN_STORE,
  ],
})
export class QrLoginModule extends QrLoginConfigurableModule implements OnApplicationBootstrap, OnModuleDestroy {
  constructor(
    @Inject(QR_LOGIN_STORE) private readonly store: QrLoginStore,
    @Inject(QR_LOGIN_CONFIG) private readonly config: ResolvedQrLoginConfig,
    @Inject(QR_LOGIN_RATE_LIMITER) private readonly limiter: QrLoginRateLimiter,
  ) {
    super();
  }

  /**
   * Mounts the routes and provides `QrLoginService`. `TUser` (the app's user
   * type) is inferred from `loadUser`, or named: `QrLoginModule.forRoot<User>({ ... })`.
   */
  static override forRoot<TUser = any>(options: QrLoginForRootOptions<TUser>): DynamicModule {
    return super.forRoot(options);
  }

  /** As `forRoot`, with the options from `useFactory` / `useClass` / `useExisting`; the extras go beside them. */
  static override forRootAsync<TUser = any>(options: QrLoginForRootAsyncOptions<TUser>): DynamicModule {
    return super.forRootAsync(options);
  }

  /** Every provider exists by now, so every passport strategy of the app has registered itself. */
  onApplicationBootstrap(): void {
    checkAppAuthStrategies(this.config.appAuth.strategies);
  }

  /** Releases the store's (and the module's own rate limiter's) timers and connections when the app closes. */
  async onModuleDestroy(): Promise<void> {
    const given = this.config.security.rateLimit && this.config.security.rateLimit.limiter;
    if (this.limiter !== given) await this.limiter.close?.();
    await this.store.close?.();
  }
}
