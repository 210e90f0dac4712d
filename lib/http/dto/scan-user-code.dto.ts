import { IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { ApiProperty, ApiPropertyOptional } from '../qr-login.openapi';

/** Body of `POST /<prefix>/user-codes/scan`: the code the user typed (or the phone read from a link). @internal */
export class ScanUserCodeDto {
  /** As shown under the QR; case, dashes and spaces do not matter. */
  @ApiProperty({
    description: 'The user code as shown under the QR; case, dashes and spaces do not matter.',
    example: 'WDJB-MJHT',
  })
  @IsString()
  @MaxLength(64)
  userCode!: string;

  /**
   * How the code came to the phone: `typed` by its user (read off the
   * requesting screen) or from a `link` (e.g. `verification_uri_complete`).
   * Default `link`: a device flow reached by a link asks the user to pick the
   * device's code before confirming, so send `typed` only when the user typed it.
   */
  @ApiPropertyOptional({
    enum: ['typed', 'link'],
    default: 'link',
    description:
      'typed: the user typed the code; link: it came in a link (the default). A device flow reached by a link must pick the user code on confirm.',
  })
  @IsOptional()
  @IsIn(['typed', 'link'])
  entry?: 'typed' | 'link';
}
