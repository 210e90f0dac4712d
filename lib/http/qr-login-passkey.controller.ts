import { Body, Controller, Get, Header, HttpCode, Param, Post, Req, UseFilters, UseGuards } from '@nestjs/common';
import { QrLoginAppUserGuard } from '../auth/qr-login-app-user.guard';
import { QrLoginPasskeyRegistration } from '../passkey/qr-login-passkey.registration';
import { PasskeyOptionsDto, VerifyPasskeyRegistrationDto } from './dto/passkey.dto';
import { QrLoginErrorDto } from './dto/qr-login-responses.dto';
import { QrLoginErrorFilter } from './qr-login-error.filter';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from './qr-login.openapi';
import { qrLoginValidationPipe } from './qr-login.validation';
import { QrLoginRateLimitGuard } from './rate-limit/qr-login-rate-limit.guard';

const body = qrLoginValidationPipe();

/**
 * The phone's passkey routes, for the logged-in app user (the same guard as
 * scan and confirm): listing and registering passkeys, and the request options that
 * approve a scanned code. Answer 404 `QR_PASSKEYS_DISABLED` without the
 * `passkeys` option. Mounted by the module under its `routePrefix`.
 */
@Controller()
@ApiTags('qr-login')
@ApiBearerAuth()
@UseFilters(QrLoginErrorFilter)
@UseGuards(QrLoginAppUserGuard, QrLoginRateLimitGuard('appAction'))
export class QrLoginPasskeyController {
  constructor(private readonly passkeys: QrLoginPasskeyRegistration) {}

  /** Phone: the logged-in user's passkeys (ids and dates), for a settings page. */
  @ApiOperation({ summary: "Phone: list the logged-in user's passkeys" })
  @ApiResponse({ status: 404, type: QrLoginErrorDto, description: 'QR_PASSKEYS_DISABLED' })
  @Get('passkeys')
  @Header('Cache-Control', 'no-store')
  list(@Req() request: any): Promise<unknown> {
    return this.passkeys.list(request.user);
  }

  /** Phone: creation options for a new passkey of the logged-in user. */
  @ApiOperation({ summary: 'Phone: options for navigator.credentials.create() to register a passkey' })
  @ApiResponse({ status: 403, type: QrLoginErrorDto, description: 'QR_PASSKEY_REGISTRATION_CLOSED' })
  @Post('passkeys/registration/options')
  @HttpCode(200)
  registrationOptions(@Req() request: any): Promise<unknown> {
    return this.passkeys.registrationOptions(request.user);
  }

  /** Phone: verifies and keeps the new passkey. */
  @ApiOperation({ summary: 'Phone: verify the new passkey and keep it for the user' })
  @ApiResponse({ status: 400, type: QrLoginErrorDto, description: 'QR_PASSKEY_REGISTRATION_FAILED' })
  @Post('passkeys/registration/verify')
  @HttpCode(201)
  verifyRegistration(@Body(body) payload: VerifyPasskeyRegistrationDto, @Req() request: any): Promise<unknown> {
    return this.passkeys.verifyRegistration(request.user, payload.credential);
  }

  /** Phone: request options to approve the scanned code with a passkey. */
  @ApiOperation({ summary: 'Phone: options for navigator.credentials.get() to approve a scanned code' })
  @ApiResponse({ status: 403, type: QrLoginErrorDto, description: 'QR_NOT_SCANNER' })
  @Post('qrcodes/:qrcodeId/passkey-options')
  @HttpCode(200)
  authenticationOptions(
    @Param('qrcodeId') qrcodeId: string,
    @Body(body) payload: PasskeyOptionsDto,
    @Req() request: any,
  ): Promise<unknown> {
    return this.passkeys.authenticationOptions(request.user, qrcodeId, payload?.matchCode);
  }
}
