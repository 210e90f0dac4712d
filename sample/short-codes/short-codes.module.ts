import { Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { ShortCodeInterceptor } from './short-code.interceptor';
import { ShortCodeService } from './short-code.service';
import { ShortCodesController } from './short-codes.controller';

/**
 * Short codes to type instead of scanning: issued with each new code (an
 * interceptor on the module's create route and rotation events) and resolved
 * by `GET /short-codes/:shortCode`. Needs `QrLoginModule` registered globally
 * (its rate limit guard reads the module's settings).
 */
@Module({
  controllers: [ShortCodesController],
  providers: [
    { provide: ShortCodeService, useFactory: () => new ShortCodeService() },
    { provide: APP_INTERCEPTOR, useClass: ShortCodeInterceptor },
  ],
})
export class ShortCodesModule {}
