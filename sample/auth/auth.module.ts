import { Module } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';
import { PassportModule } from '@nestjs/passport';
import { SampleSettings } from '../sample.settings';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { JwtStrategy } from './jwt.strategy';
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
  ],
  controllers: [AuthController],
  providers: [UsersService, AuthService, JwtStrategy],
  exports: [UsersService, AuthService],
})
export class AuthModule {}
