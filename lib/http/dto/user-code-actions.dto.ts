import { IsObject, IsOptional, IsString, MaxLength } from 'class-validator';
import { ApiProperty, ApiPropertyOptional } from '../qr-login.openapi';

/** Body of `POST /<prefix>/user-codes/cancel`: the user code the phone scanned by. @internal */
export class CancelUserCodeDto {
  @ApiProperty({ description: 'The user code the phone scanned by.', example: 'WDJB-MJHT' })
  @IsString()
  @MaxLength(64)
  userCode!: string;
}

/** Body of `POST /<prefix>/user-codes/confirm`: the user code, and the pick when the scan asked for one. @internal */
export class ConfirmUserCodeDto extends CancelUserCodeDto {
  /** The choice the user picked from the scan's `matchChoices` (a number, or a device's user code). */
  @ApiPropertyOptional({
    description: "The choice picked from the scan's matchChoices, when it offered some.",
    example: 'WDJB-MJHT',
  })
  @IsOptional()
  @IsString()
  @MaxLength(16)
  matchCode?: string;

  /** When the scan asked for a passkey: the WebAuthn assertion over the code's challenge. */
  @ApiPropertyOptional({ description: 'The passkey assertion, when the scan asked for one.', type: 'object' })
  @IsOptional()
  @IsObject()
  passkey?: Record<string, unknown>;
}
