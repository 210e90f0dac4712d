import { Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { SampleSettings } from '../sample.settings';
import type { SampleUser } from './users.service';

/** What both logins answer: the phone's password login and the web page's QR login. */
export interface SampleTokenSet {
  access_token: string;
  token_type: 'Bearer';
  /** Seconds until `access_token` expires. */
  expires_in: number;
  user: SampleUser;
}

/** Claims of the sample's access tokens. */
export interface SampleJwtPayload {
  sub: string;
  username: string;
}

@Injectable()
export class AuthService {
  constructor(
    private readonly jwt: JwtService,
    private readonly settings: SampleSettings,
  ) {}

  /** One kind of token for both logins, so `GET /auth/me` and the phone routes accept either. */
  async issueTokenSet(user: SampleUser): Promise<SampleTokenSet> {
    const payload: SampleJwtPayload = { sub: user.id, username: user.username };
    return {
      access_token: await this.jwt.signAsync(payload),
      token_type: 'Bearer',
      expires_in: this.settings.accessTokenTtl,
      user: { id: user.id, username: user.username, displayName: user.displayName },
    };
  }
}
