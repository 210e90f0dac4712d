import { type DynamicModule, Module } from '@nestjs/common';
import { QrLoginDeviceGrantModule } from '../lib/plugins/device';
import { QrLoginModule, type QrLoginModuleOptions } from '../lib';
import { QrLoginGenAuthModule } from '../lib/plugins/genauth';
import { AuthModule } from './auth/auth.module';
import { AuthService } from './auth/auth.service';
import { APP_STRATEGY } from './auth/token-lanes';
import { UsersService, type SampleUser } from './auth/users.service';
import { ObservabilityModule } from './observability/observability.module';
import { PagesModule } from './pages/pages.module';
import { SampleSettings, SampleSettingsModule } from './sample.settings';
import { passkeyOptionsOf } from './sample.passkeys';

/** The sample app: its own users and JWT login, scan-to-login on top, the device grant, and its pages. */
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
          imports: [AuthModule],
          inject: [AuthService, UsersService, SampleSettings],
          useFactory: (auth: AuthService, users: UsersService, sample: SampleSettings): QrLoginModuleOptions => ({
            // Only the phone app's tokens (audience sample-app) may scan, confirm or cancel: never a web
            // session or a device token (see auth/token-lanes.ts).
            appAuth: { strategies: [APP_STRATEGY] },
            appName: 'nestjs-qr-login sample',
            // A function rather than the '{qrcodeId}' template: the origin may be known only after listen.
            payloadUrl: (qrcodeId) => `${sample.requirePublicUrl()}/phone?code=${encodeURIComponent(qrcodeId)}`,
            ...(sample.store ? { store: sample.store } : {}),
            ...(sample.qrCodeTtl !== undefined ? { qrCodeTtl: sample.qrCodeTtl } : {}),
            ...(sample.numberMatching ? { numberMatching: true } : {}),
            // Places for the phone's "who is asking", and the distance between browser and phone.
            ...(sample.geo ? { risk: { geo: sample.geo } } : {}),
            ...(sample.rotateEvery !== undefined ? { rotateEvery: sample.rotateEvery } : {}),
            // RATE_LIMIT=off: load tests send every request from one address.
            ...(sample.rateLimit ? {} : { rateLimit: false, maxStreamsPerIp: 1_000_000 }),
            ...(sample.clock ? { clock: sample.clock } : {}),
            // Every confirm is signed by the phone's passkey, when the public URL names a host a passkey can
            // belong to (a domain or localhost, not an address): a token copied off the phone approves nothing.
            ...passkeyOptionsOf(sample, auth),
            getBriefUserInfo: (user: SampleUser) => ({ displayName: user.displayName, photo: users.avatarOf(user) }),
            // Load the account afresh, so a user removed since the scan cannot log in.
            loadUser: (userId) => users.findById(userId) ?? null,
            // A web session for a QR login, a device token for the device grant.
            issueTokenSet: (user: SampleUser, context) => auth.issueQrLoginTokenSet(user, context),
          }),
        }),
        // GenAuth's SDKs work against the sample unchanged (their routes under /api/v3 and /api/v2), with
        // client authentication "none", GenAuth's default for browser apps. The sample's pages are same-origin,
        // so its codes are bound to the creating browser there too: as safe as the native routes.
        QrLoginGenAuthModule.forRoot({ v3: true, v2: true, tokenEndpointAuthMethod: 'none', bindToCreator: true }),
        // A second device (a TV, a CLI) logs in with the phone through the OAuth device grant: one public
        // client, discovery at /.well-known/oauth-authorization-server, and the phone page as verification URI.
        QrLoginDeviceGrantModule.forRootAsync({
          discovery: true,
          inject: [SampleSettings],
          useFactory: (sample: SampleSettings) => ({
            clients: [{ clientId: 'sample-device', name: 'Sample TV' }],
            issuer: () => sample.requirePublicUrl(),
            verificationUri: (issuer: string) => `${issuer}/phone`,
          }),
        }),
        // Prometheus metrics at /metrics and the store's health at /health (see docs/telemetry.md).
        ObservabilityModule.forRoot(),
        PagesModule,
      ],
    };
  }
}
