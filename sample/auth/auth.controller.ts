import {
  Body,
  Controller,
  Get,
  Header,
  HttpCode,
  Post,
  Req,
  UnauthorizedException,
  UseGuards,
  UsePipes,
  ValidationPipe,
} from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';
import { AuthService, type SampleTokenSet } from './auth.service';
import { LoginDto } from './login.dto';
import { UsersService, type SampleUser } from './users.service';

/** The app's own login, as its mobile app would call it. */
@Controller('auth')
// Scoped to this controller so the QR module's routes keep their own validation and error codes.
@UsePipes(new ValidationPipe({ whitelist: true }))
export class AuthController {
  constructor(
    private readonly users: UsersService,
    private readonly auth: AuthService,
  ) {}

  /** Password login of the phone simulator. */
  @Post('login')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  login(@Body() body: LoginDto): Promise<SampleTokenSet> {
    const user = this.users.verifyPassword(body.username, body.password);
    if (!user) throw new UnauthorizedException('Wrong username or password.');
    return this.auth.issueTokenSet(user);
  }

  /** The user behind the bearer token, whichever login issued it. */
  @Get('me')
  @Header('Cache-Control', 'no-store')
  @UseGuards(AuthGuard('jwt'))
  me(@Req() request: { user: SampleUser }): SampleUser {
    return request.user;
  }
}
