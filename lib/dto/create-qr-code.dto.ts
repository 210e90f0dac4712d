import { IsIn, IsObject, IsOptional } from 'class-validator';
import type { JsonObject, QrCodeType } from '../interfaces/qr-code.interface';

/** Body of `POST /<prefix>/qrcodes`; every field optional. */
export class CreateQrCodeDto {
  /** GenAuth's code type; the core module serves `MOBILE_APP` (the default). */
  @IsOptional()
  @IsIn(['MOBILE_APP', 'WECHAT_MINIPROGRAM', 'WECHAT_OFFICIAL_ACCOUNT'])
  type?: QrCodeType;

  /** JSON object handed to the hooks on authorization. */
  @IsOptional()
  @IsObject()
  customData?: JsonObject;

  /** JSON object handed to the hooks on authorization. */
  @IsOptional()
  @IsObject()
  context?: JsonObject;
}
