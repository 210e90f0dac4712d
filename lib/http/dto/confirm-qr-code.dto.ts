import { IsObject, IsOptional, IsString, MaxLength } from 'class-validator';
import { ApiPropertyOptional } from '../qr-login.openapi';

/** Body of `POST /<prefix>/qrcodes/:id/confirm`; empty unless number matching is on. @internal */
export class ConfirmQrCodeDto {
  /** With number matching on: the number the user picked, as the login page shows it. */
  @ApiPropertyOptional({ description: 'With number matching on: the number the user picked.', example: '47' })
  @IsOptional()
  @IsString()
  @MaxLength(16)
  matchCode?: string;

  /**
   * When the scan answered `approval.method: 'passkey'`: the WebAuthn assertion
   * (PublicKeyCredential as JSON, base64url fields) over the code's challenge.
   */
  @ApiPropertyOptional({
    description: "The passkey assertion, when the scan asked for one (approval.method 'passkey').",
    type: 'object',
    additionalProperties: true,
  })
  @IsOptional()
  @IsObject()
  passkey?: Record<string, unknown>;
}
