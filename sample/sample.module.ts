import { type DynamicModule, Module } from '@nestjs/common';
import { QrLoginModule, type QrLoginModuleOptions } from '../lib';
import { AuthModule } from './auth/auth.module';
import { AuthService } from './auth/auth.service';
import { UsersService, type SampleUser } from './auth/users.service';
import { PagesModule } from './pages/pages.module';
import { SampleSettings, SampleSettingsModule } from './sample.settings';
import { ShortCodesModule } from './short-codes/short-codes.module';

/** The sample app: its own users and JWT login, scan-to-login on top, short codes, and three pages. */
@Module({})
export class SampleModule {
  static forRoot(settings: SampleSettings): DynamicModule {
    return {
      module: SampleModule,
      imports: [
        SampleSettingsModule.forRoot(settings),
        AuthModule,
        // The async form, as a real app uses it: the options need the app's own services.
        QrLoginModule.forRootAsync({
          // GenAuth's SDKs work against the sample unchanged (their routes under /api/v3 and /api/v2).
          compat: { genauthV3: true, genauthV2: true },
          // Global, so the short codes' route can reuse the module's rate limit guard.
          isGlobal: true,
          imports: [AuthModule],
          inject: [AuthService, UsersService, SampleSettings],
          useFactory: (auth: AuthService, users: UsersService, sample: SampleSettings): QrLoginModuleOptions => ({
            // The phone sends the same bearer token as for the app's other routes.
            appAuth: { strategies: ['jwt'] },
            appName: 'nestjs-qr-login sample',
            // A function rather than the '{qrcodeId}' template: the origin may be known only after listen.
            payloadUrl: (qrcodeId) => `${sample.requirePublicUrl()}/phone?code=${encodeURIComponent(qrcodeId)}`,
            ...(sample.store ? { store: sample.store } : {}),
            ...(sample.qrCodeTtl !== undefined ? { qrCodeTtl: sample.qrCodeTtl } : {}),
            ...(sample.numberMatching ? { numberMatching: true } : {}),
            ...(sample.rotateEvery !== undefined ? { rotateEvery: sample.rotateEvery } : {}),
            getBriefUserInfo: (user: SampleUser) => ({ displayName: user.displayName, photo: users.avatarOf(user) }),
            // Load the account afresh, so a user removed since the scan cannot log in.
            loadUser: (userId) => users.findById(userId) ?? null,
            issueTokenSet: (user: SampleUser) => auth.issueTokenSet(user),
            // Client authentication "none", GenAuth's default for browser apps: an SDK needs no secret.
            genauth: { tokenEndpointAuthMethod: 'none' },
          }),
        }),
        ShortCodesModule,
        PagesModule,
      ],
    };
  }
}
