import { IsBoolean, IsIn, IsNotEmpty, IsObject, IsOptional, IsString, MaxLength } from 'class-validator';
import {
  ApiProperty,
  ApiPropertyOptional,
  QR_CODE_STATUSES,
  type JsonObject,
  type QrCodeAction,
  type QrCodeStatus,
  type QrCodeType,
} from '../../plugin';

/*
 * Request bodies and queries of the GenAuth V3 compatible routes (validated),
 * and the answers' shapes (for the OpenAPI description only). Field names
 * are GenAuth's, snake_case included, because its SDKs send and read them.
 * The V2 routes' shapes are in genauth-v2.dto.ts.
 */

const QR_CODE_TYPES: readonly QrCodeType[] = ['MOBILE_APP', 'WECHAT_MINIPROGRAM', 'WECHAT_OFFICIAL_ACCOUNT'];
const ACTIONS: readonly QrCodeAction[] = ['SCAN', 'CONFIRM', 'CANCEL'];
const STATUSES = [...QR_CODE_STATUSES];

// ---------------------------------------------------------------- V3 requests

/** Body of `POST /api/v3/gene-qrcode` (GenAuth's `GenerateQrcodeDto`). @internal */
export class GenAuthGeneQrCodeDto {
  @ApiProperty({
    enum: QR_CODE_TYPES,
    description: 'QR code type; this module serves MOBILE_APP unless a handler for another type is registered.',
  })
  @IsIn(QR_CODE_TYPES, { message: `"type" is required and must be one of ${QR_CODE_TYPES.join(', ')}.` })
  type!: QrCodeType;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description: 'Handed to the onAuthorized / loadUser / issueTokenSet hooks.',
  })
  @IsOptional()
  @IsObject({ message: '"customData" must be a JSON object.' })
  customData?: JsonObject;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description: 'Handed to the hooks like customData.',
  })
  @IsOptional()
  @IsObject({ message: '"context" must be a JSON object.' })
  context?: JsonObject;

  @ApiPropertyOptional({ description: 'For WeChat types: the identity source connection.' })
  @IsOptional()
  @IsString()
  @MaxLength(128)
  extIdpConnId?: string;

  @ApiPropertyOptional({ description: 'For WeChat mini-program codes: merge the logo into the image.' })
  @IsOptional()
  @IsBoolean()
  autoMergeQrCode?: boolean;
}

/** Query of `GET /api/v3/check-qrcode-status` and `GET /api/v3/get-qrcode-status`. @internal */
export class GenAuthQrCodeIdQueryDto {
  @ApiProperty({ description: 'The qrcodeId gene-qrcode returned.' })
  @IsString({ message: '"qrcodeId" is required: pass the qrcodeId gene-qrcode returned as a query parameter.' })
  @IsNotEmpty({ message: '"qrcodeId" is required: pass the qrcodeId gene-qrcode returned as a query parameter.' })
  @MaxLength(256)
  qrcodeId!: string;
}

/**
 * Body of `POST /api/v3/exchange-tokenset-with-qrcode-ticket` (GenAuth's `ExchangeTokenSetWithQRcodeTicketDto`).
 * @internal
 */
export class GenAuthExchangeTicketDto {
  @ApiProperty({ description: 'The ticket of an AUTHORIZED code; it works once.' })
  @IsString({ message: '"ticket" is required: send the ticket the status of an AUTHORIZED code showed.' })
  @IsNotEmpty({ message: '"ticket" is required: send the ticket the status of an AUTHORIZED code showed.' })
  @MaxLength(256)
  ticket!: string;

  @ApiPropertyOptional({ description: 'With client_secret_post: the app id.' })
  @IsOptional()
  @IsString()
  @MaxLength(512)
  client_id?: string;

  @ApiPropertyOptional({ description: 'With client_secret_post: the app secret.' })
  @IsOptional()
  @IsString()
  @MaxLength(512)
  client_secret?: string;
}

/**
 * Body of `POST /api/v3/change-qrcode-status` and `POST /api/v3/set-qrcode-status` (GenAuth's `ChangeQRCodeStatusDto`).
 * @internal
 */
export class GenAuthChangeQrCodeStatusDto {
  @ApiProperty({ description: 'The qrcodeId inside the scanned QR code.' })
  @IsString({ message: '"qrcodeId" is required: send the id read from the QR code.' })
  @IsNotEmpty({ message: '"qrcodeId" is required: send the id read from the QR code.' })
  @MaxLength(256)
  qrcodeId!: string;

  @ApiProperty({ enum: ACTIONS, description: 'SCAN first, then CONFIRM or CANCEL by the same user.' })
  @IsIn(ACTIONS, { message: `"action" is required and must be one of ${ACTIONS.join(', ')}.` })
  action!: QrCodeAction;

  @ApiPropertyOptional({
    description: "Not GenAuth's: with the numberMatching option on, the number the page shows, sent with CONFIRM.",
  })
  @IsOptional()
  @IsString()
  @MaxLength(16)
  matchCode?: string;
}

// ---------------------------------------------------------------- V3 answers

/** Fields every GenAuth V3 answer has. @internal */
export class GenAuthEnvelopeDto {
  @ApiProperty({
    description:
      '200 on success; otherwise the HTTP-style status of the failure (the HTTP status itself stays 200, as GenAuth does).',
    example: 200,
  })
  statusCode!: number;

  @ApiProperty({ example: 'Success' })
  message!: string;

  @ApiPropertyOptional({ description: "GenAuth's numeric error code; not sent by this server." })
  apiCode?: number;

  @ApiPropertyOptional({ description: 'Id of the failed request, to find it in the logs. Only on failures.' })
  requestId?: string;

  @ApiPropertyOptional({
    description:
      "This module's stable error code (e.g. QR_TICKET_USED). Only on failures; an addition to GenAuth's envelope.",
  })
  code?: string;
}

/** @internal */
export class GenAuthGeneQrCodeDataDto {
  @ApiProperty() qrcodeId!: string;
  @ApiProperty({ description: 'Data URL of the QR image, ready for an <img src>.' }) url!: string;
  @ApiPropertyOptional() customLogoUrl?: string;
}

/** @internal */
export class GenAuthGeneQrCodeRespDto extends GenAuthEnvelopeDto {
  @ApiProperty({ type: GenAuthGeneQrCodeDataDto }) data!: GenAuthGeneQrCodeDataDto;
}

/** @internal */
export class GenAuthBriefUserInfoDto {
  @ApiProperty() displayName!: string;
  @ApiProperty({ description: 'Avatar URL; empty when the user has none.' }) photo!: string;
}

/** @internal */
export class GenAuthQrCodeStatusDataDto {
  @ApiProperty({ enum: STATUSES }) status!: QrCodeStatus;
  @ApiPropertyOptional({ description: 'Once AUTHORIZED, until redeemed.' }) ticket?: string;
  @ApiPropertyOptional({ type: GenAuthBriefUserInfoDto, description: 'Once scanned.' })
  briefUserInfo?: GenAuthBriefUserInfoDto;
}

/** @internal */
export class GenAuthQrCodeStatusRespDto extends GenAuthEnvelopeDto {
  @ApiProperty({ type: GenAuthQrCodeStatusDataDto }) data!: GenAuthQrCodeStatusDataDto;
}

/** @internal */
export class GenAuthTokenSetDto {
  @ApiProperty() access_token!: string;
  @ApiPropertyOptional() id_token?: string;
  @ApiPropertyOptional() refresh_token?: string;
  @ApiProperty({ example: 'Bearer' }) token_type!: string;
  @ApiProperty({ description: "Seconds until access_token expires (GenAuth's spelling)." }) expire_in!: number;
  @ApiPropertyOptional() scope?: string;
}

/** @internal */
export class GenAuthLoginTokenRespDto extends GenAuthEnvelopeDto {
  @ApiProperty({ type: GenAuthTokenSetDto }) data!: GenAuthTokenSetDto;
}

/** @internal */
export class GenAuthIsSuccessDto {
  @ApiProperty() success!: boolean;
}

/** @internal */
export class GenAuthIsSuccessRespDto extends GenAuthEnvelopeDto {
  @ApiProperty({ type: GenAuthIsSuccessDto }) data!: GenAuthIsSuccessDto;
}
