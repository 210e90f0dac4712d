import { Injectable, type INestApplication } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { afterEach, describe, expect, it } from 'vitest';
import { QrLoginConfigError, QrLoginModule, type QrLoginModuleOptions } from '../../lib';
import { ADAPTERS } from '../app/test-app';

@Injectable()
class MobileJwtStrategy extends PassportStrategy(Strategy, 'mobile-jwt') {
  constructor() {
    super({ jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(), secretOrKey: 'startup-secret' });
  }
  validate(payload: unknown) {
    return payload;
  }
}

const apps: INestApplication[] = [];
afterEach(async () => {
  while (apps.length)
    await apps
      .pop()!
      .close()
      .catch(() => undefined);
});

/** Compiles and starts an app with the options from a forRootAsync factory, as ConfigService would hand them over. */
async function start(adapter: string, factory: () => unknown): Promise<void> {
  const moduleRef = await Test.createTestingModule({
    imports: [QrLoginModule.forRootAsync({ useFactory: factory as () => QrLoginModuleOptions })],
    providers: [MobileJwtStrategy],
  }).compile();
  const app = moduleRef.createNestApplication(adapter === 'fastify' ? new FastifyAdapter() : new ExpressAdapter(), {
    logger: false,
  });
  apps.push(app);
  await app.init();
}

describe.each(ADAPTERS)('start-up checks on %s', (adapter) => {
  it('starts with a registered strategy', async () => {
    await expect(start(adapter, () => ({ appAuth: { strategies: ['mobile-jwt'] } }))).resolves.toBeUndefined();
  });

  it('stops on an unknown strategy name, naming the registered ones and the fix', async () => {
    const failure = start(adapter, () => ({ appAuth: { strategies: ['mobile-jwt', 'mobile-jtw'] } }));
    await expect(failure).rejects.toThrow(QrLoginConfigError);
    await expect(failure).rejects.toThrow(
      /"appAuth.strategies" names the passport strategy "mobile-jtw", which is not registered \(did you mean "mobile-jwt"\?\)\. Registered strategies: .*"mobile-jwt".*Add the strategy class/,
    );
  });

  it('stops on a misspelled key returned by a factory', async () => {
    await expect(start(adapter, () => ({ appAuth: { strategies: ['mobile-jwt'] }, qrCodeTTL: 90 }))).rejects.toThrow(
      /"qrCodeTTL" is not an option; did you mean "qrCodeTtl"\?/,
    );
  });

  it('stops on a number given as a string, showing it as a string', async () => {
    const env = { QR_TTL: '90' };
    await expect(
      start(adapter, () => ({ appAuth: { strategies: ['mobile-jwt'] }, qrCodeTtl: env.QR_TTL })),
    ).rejects.toThrow(
      /"qrCodeTtl" must be a number of seconds above 0 and at most 86400; got the string "90"\. Environment values are strings: convert it/,
    );
  });
});
