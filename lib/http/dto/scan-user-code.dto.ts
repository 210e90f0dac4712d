import { IsString, MaxLength } from 'class-validator';
import { ApiProperty } from '../qr-login.openapi';

/** Body of `POST /<prefix>/user-codes/scan`: the code the user typed (or the phone read from a link). */
export class ScanUserCodeDto {
  /** As shown under the QR; case, dashes and spaces do not matter. */
  @ApiProperty({
    description: 'The user code as shown under the QR; case, dashes and spaces do not matter.',
    example: 'WDJB-MJHT',
  })
  @IsString()
  @MaxLength(64)
  userCode!: string;
}
