import { Module } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';
import { PassportModule } from '@nestjs/passport';
import { ThrottlerModule } from '@nestjs/throttler';
import { SampleSettings } from '../sample.settings';
import { AppAuthController, AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { AppJwtStrategy, WebJwtStrategy } from './jwt.strategy';
import { UsersService } from './users.service';

@Module({
  imports: [
    PassportModule,
    JwtModule.registerAsync({
      inject: [SampleSettings],
      useFactory: (settings: SampleSettings) => ({
        secret: settings.jwtSecret,
        signOptions: { algorithm: 'HS256', expiresIn: settings.accessTokenTtl },
      }),
    }),
    // Password guesses per address: `loginLimit` logins a minute on the two login routes (the only ones
    // with ThrottlerGuard); off with the module's rate limits (RATE_LIMIT=off, load tests from one address).
    ThrottlerModule.forRootAsync({
      inject: [SampleSettings],
      useFactory: (settings: SampleSettings) => ({
        throttlers: [{ ttl: 60_000, limit: settings.loginLimit }],
        skipIf: () => !settings.rateLimit,
      }),
    }),
  ],
  controllers: [AuthController, AppAuthController],
  providers: [UsersService, AuthService, WebJwtStrategy, AppJwtStrategy],
  exports: [UsersService, AuthService],
})
export class AuthModule {}
