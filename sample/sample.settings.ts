import { type DynamicModule, Global, Module } from '@nestjs/common';
import type { QrLoginClock, QrLoginStore } from '../lib';
import type { QrLoginGeoLookup } from '../lib/risk';

/** What differs between one run of the sample and another (port, store, secrets). */
export class SampleSettings {
  /**
   * Origin the phone reaches the sample at; the QR payload points there.
   * Mutable because a test app listening on port 0 learns it only after `listen`.
   */
  publicUrl: string | undefined;
  /** Key of the HS256 access tokens; every instance behind one load balancer needs the same. */
  readonly jwtSecret: string;
  /** Lifetime of an access token, in seconds. */
  readonly accessTokenTtl: number;
  /** Where QR codes live; undefined means the module's in-memory default. */
  readonly store: QrLoginStore | undefined;
  /** Lifetime of a QR code, in seconds; undefined means the module's default (120). */
  readonly qrCodeTtl: number | undefined;
  /**
   * Number matching: the page shows a number the phone must pick. On by
   * default in the sample: a relayed code then also needs the number from the
   * attacker's screen, which the victim does not have.
   */
  readonly numberMatching: boolean;
  /** Where addresses are, so the phone sees the requesting browser's place and distance; undefined means no places. */
  readonly geo: QrLoginGeoLookup | undefined;
  /** Replace an unscanned code this often, in seconds; undefined means never. */
  readonly rotateEvery: number | undefined;
  /** Folder of the built browser client (`index.mjs`); undefined means the repository's `dist/client`. */
  readonly clientDir: string | undefined;
  /** The module's rate limits and stream cap per address; false (`RATE_LIMIT=off`) for load tests from one address. */
  readonly rateLimit: boolean;
  /** The module's clock; undefined means the system clock. Tests pass a manual one to drive rotation and expiry. */
  readonly clock: QrLoginClock | undefined;
  /** Password logins (`/auth/login`, `/auth/app/login`) allowed per address per minute; more answer 429. Default 20. */
  readonly loginLimit: number;
  /**
   * Every confirm signed by the phone's passkey (registered after its password
   * login). On by default; it applies where the public URL's host can own a
   * passkey (a domain or `localhost`, never an IP address).
   */
  readonly passkeys: boolean;

  constructor(init: {
    publicUrl?: string;
    jwtSecret: string;
    accessTokenTtl?: number;
    store?: QrLoginStore;
    qrCodeTtl?: number;
    numberMatching?: boolean;
    rotateEvery?: number;
    clientDir?: string;
    geo?: QrLoginGeoLookup;
    rateLimit?: boolean;
    clock?: QrLoginClock;
    loginLimit?: number;
    passkeys?: boolean;
  }) {
    this.publicUrl = init.publicUrl === undefined ? undefined : trimSlashes(init.publicUrl);
    this.jwtSecret = init.jwtSecret;
    this.accessTokenTtl = init.accessTokenTtl ?? 3600;
    this.store = init.store;
    this.qrCodeTtl = init.qrCodeTtl;
    this.numberMatching = init.numberMatching ?? true;
    this.geo = init.geo;
    this.rotateEvery = init.rotateEvery;
    this.clientDir = init.clientDir;
    this.rateLimit = init.rateLimit ?? true;
    this.clock = init.clock;
    this.loginLimit = init.loginLimit ?? 20;
    this.passkeys = init.passkeys ?? true;
  }

  /** The public origin; failing loudly beats putting "undefined" into a QR code. */
  requirePublicUrl(): string {
    if (!this.publicUrl) throw new Error('The sample has no public URL yet: it is known once the app listens.');
    return this.publicUrl;
  }
}

export function trimSlashes(url: string): string {
  return url.replace(/\/+$/, '');
}

/** Makes `SampleSettings` injectable everywhere, including in other modules' async factories. */
@Global()
@Module({})
export class SampleSettingsModule {
  static forRoot(settings: SampleSettings): DynamicModule {
    return {
      module: SampleSettingsModule,
      providers: [{ provide: SampleSettings, useValue: settings }],
      exports: [SampleSettings],
    };
  }
}
