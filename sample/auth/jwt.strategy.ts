import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { SampleSettings } from '../sample.settings';
import type { SampleJwtPayload } from './auth.service';
import { UsersService, type SampleUser } from './users.service';

/**
 * Passport strategy `jwt`: the app's own bearer-token auth. The QR module
 * reuses it for the phone side through `appAuth: { strategies: ['jwt'] }`.
 */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor(
    settings: SampleSettings,
    private readonly users: UsersService,
  ) {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      secretOrKey: settings.jwtSecret,
      // Pinning the algorithm refuses tokens that try to pick a weaker one.
      algorithms: ['HS256'],
    });
  }

  /** A token of a user who no longer exists is refused, not trusted. */
  validate(payload: SampleJwtPayload): SampleUser | null {
    return this.users.findById(payload.sub) ?? null;
  }
}
