import { Controller, Get, Header, HttpCode, Post, Req, UnauthorizedException, UseGuards } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';
import { ThrottlerGuard } from '@nestjs/throttler';
import { AuthService, type SampleTokenSet } from './auth.service';
import { LoginBody, LoginDto } from './login.dto';
import { APP_STRATEGY, WEB_STRATEGY, type TokenLane } from './token-lanes';
import { UsersService, type SampleUser } from './users.service';

/** A password login into one lane; throttled per address, so passwords cannot be guessed at speed. */
async function passwordLogin(
  users: UsersService,
  auth: AuthService,
  body: LoginDto,
  lane: TokenLane,
): Promise<SampleTokenSet> {
  const user = users.verifyPassword(body.username, body.password);
  if (!user) throw new UnauthorizedException('Wrong username or password.');
  return auth.issueTokenSet(user, lane);
}

/** The web side's own login: a browser session (audience `sample-web`), as a QR login also gives. */
@Controller('auth')
export class AuthController {
  constructor(
    private readonly users: UsersService,
    private readonly auth: AuthService,
  ) {}

  /** Password login of a browser: a web session, which cannot scan or confirm codes. */
  @Post('login')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @UseGuards(ThrottlerGuard)
  login(@LoginBody() body: LoginDto): Promise<SampleTokenSet> {
    return passwordLogin(this.users, this.auth, body, 'web');
  }

  /** The user behind a web session (password or QR login); phone and device tokens are refused. */
  @Get('me')
  @Header('Cache-Control', 'no-store')
  @UseGuards(AuthGuard(WEB_STRATEGY))
  me(@Req() request: { user: SampleUser }): SampleUser {
    return request.user;
  }
}

/** The mobile app's login: an app token (audience `sample-app`), the only kind the phone routes accept. */
@Controller('auth/app')
export class AppAuthController {
  constructor(
    private readonly users: UsersService,
    private readonly auth: AuthService,
  ) {}

  /** Password login of the phone app (the phone simulator's). */
  @Post('login')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @UseGuards(ThrottlerGuard)
  async login(@LoginBody() body: LoginDto): Promise<SampleTokenSet> {
    const tokens = await passwordLogin(this.users, this.auth, body, 'app');
    // A password just typed is what lets the phone register a passkey (see passkeys.mayRegister).
    this.auth.notePasswordLogin(tokens.user.id);
    return tokens;
  }

  /** The user behind an app token; web sessions and device tokens are refused. */
  @Get('me')
  @Header('Cache-Control', 'no-store')
  @UseGuards(AuthGuard(APP_STRATEGY))
  me(@Req() request: { user: SampleUser }): SampleUser {
    return request.user;
  }
}
