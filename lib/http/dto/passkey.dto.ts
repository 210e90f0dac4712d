import { IsObject, IsOptional, IsString, MaxLength } from 'class-validator';
import { ApiProperty, ApiPropertyOptional } from '../qr-login.openapi';

/** Body of `POST /<prefix>/passkeys/registration/verify`: what `navigator.credentials.create()` answered. */
export class VerifyPasskeyRegistrationDto {
  @ApiProperty({ description: 'The new PublicKeyCredential as JSON (base64url fields).', type: 'object' })
  @IsObject()
  credential!: Record<string, unknown>;
}

/** Body of `POST /<prefix>/qrcodes/:id/passkey-options`: the number the user picked, when the scan offered choices. */
export class PasskeyOptionsDto {
  @ApiPropertyOptional({ description: 'The picked match number (it is part of the challenge).', example: '47' })
  @IsOptional()
  @IsString()
  @MaxLength(16)
  matchCode?: string;
}
