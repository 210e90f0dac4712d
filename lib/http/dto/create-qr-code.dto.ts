import { IsBoolean, IsIn, IsObject, IsOptional, IsString, MaxLength } from 'class-validator';
import type { JsonObject, QrCodeType } from '../../kernel/interfaces/qr-code.interface';
import { ApiPropertyOptional } from '../qr-login.openapi';

/** Body of `POST /<prefix>/qrcodes`; every field optional. @internal */
export class CreateQrCodeDto {
  /** GenAuth's code type; the core module serves `MOBILE_APP` (the default). */
  @ApiPropertyOptional({ enum: ['MOBILE_APP', 'WECHAT_MINIPROGRAM', 'WECHAT_OFFICIAL_ACCOUNT'], default: 'MOBILE_APP' })
  @IsOptional()
  @IsIn(['MOBILE_APP', 'WECHAT_MINIPROGRAM', 'WECHAT_OFFICIAL_ACCOUNT'])
  type?: QrCodeType;

  /** JSON object handed to the hooks on authorization. */
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description: 'Handed to the hooks on authorization.',
  })
  @IsOptional()
  @IsObject()
  customData?: JsonObject;

  /** JSON object handed to the hooks on authorization. */
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description: 'Handed to the hooks on authorization.',
  })
  @IsOptional()
  @IsObject()
  context?: JsonObject;

  /** For WeChat types: which configured connection to use. */
  @ApiPropertyOptional({ description: 'For WeChat types: which configured connection to use.' })
  @IsOptional()
  @IsString()
  @MaxLength(128)
  extIdpConnId?: string;

  /** For WeChat mini-program codes: merge the logo into the image on the server. */
  @ApiPropertyOptional({ description: 'For WeChat mini-program codes: merge the logo into the image on the server.' })
  @IsOptional()
  @IsBoolean()
  autoMergeQrCode?: boolean;
}
