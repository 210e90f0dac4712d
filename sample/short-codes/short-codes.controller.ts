import { BadRequestException, Controller, Get, Header, NotFoundException, Param, UseFilters, UseGuards } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';
import { QrLoginErrorFilter, QrLoginRateLimitGuard } from '../../lib';
import { normalizeShortCode } from './short-code';
import { ShortCodeService } from './short-code.service';

/** The phone side: what a typed short code stands for. */
@Controller('short-codes')
// The module's rate-limit guard refuses with the kernel's error; the filter answers it as 429 with Retry-After.
@UseFilters(QrLoginErrorFilter)
export class ShortCodesController {
  constructor(private readonly shortCodes: ShortCodeService) {}

  /**
   * `{ qrcodeId }` of a live code. Only for a logged-in app user, and counted
   * with the scan/confirm/cancel calls (the module's `appAction` rate limit),
   * so guessing codes is as slow as scanning.
   */
  @Get(':shortCode')
  @Header('Cache-Control', 'no-store')
  @UseGuards(AuthGuard('jwt'), QrLoginRateLimitGuard('appAction'))
  resolve(@Param('shortCode') text: string): { qrcodeId: string } {
    if (normalizeShortCode(text) === undefined) {
      throw new BadRequestException({
        statusCode: 400,
        code: 'SHORT_CODE_INVALID',
        message: 'A short code is 8 letters and digits, such as K7QM-4XPD: type the code under the QR image.',
      });
    }
    const qrcodeId = this.shortCodes.resolve(text);
    if (!qrcodeId) {
      throw new NotFoundException({
        statusCode: 404,
        code: 'SHORT_CODE_NOT_FOUND',
        message: 'No live login code has this short code: check it against the screen, or show a new code there.',
      });
    }
    return { qrcodeId };
  }
}
