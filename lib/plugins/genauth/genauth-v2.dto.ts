import { IsNotEmpty, IsObject, IsOptional, IsString, MaxLength } from 'class-validator';
import { ApiProperty, ApiPropertyOptional, type JsonObject } from '../../plugin';
import { GenAuthExchangeTicketDto } from './genauth-v3.dto';

/*
 * Request bodies and queries of the GenAuth V2 compatible routes (the API
 * `authing-js-sdk` calls), validated, and the answers' shapes (for the
 * OpenAPI description only). V2 names the QR code id `random` and wraps
 * answers in `{ code, message, data }`.
 */

// ---------------------------------------------------------------- V2 requests

/** Body of `POST /api/v2/qrcode/gene` as `authing-js-sdk` sends it. @internal */
export class GenAuthV2GeneDto {
  @ApiPropertyOptional({ description: 'APP_AUTH (self-built app) is served; default APP_AUTH.', example: 'APP_AUTH' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  scene?: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description: 'The SDK\'s customData (it sends it as "params").',
  })
  @IsOptional()
  @IsObject({ message: '"params" (customData) must be a JSON object.' })
  params?: JsonObject;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description: 'Same as params, for clients that send customData by that name.',
  })
  @IsOptional()
  @IsObject({ message: '"customData" must be a JSON object.' })
  customData?: JsonObject;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  @IsOptional()
  @IsObject({ message: '"context" must be a JSON object.' })
  context?: JsonObject;
}

/** Query of `GET /api/v2/qrcode/check`. @internal */
export class GenAuthV2RandomQueryDto {
  @ApiProperty({ description: 'The random (QR code id) gene returned.' })
  @IsString({ message: '"random" is required: pass the random gene returned as a query parameter.' })
  @IsNotEmpty({ message: '"random" is required: pass the random gene returned as a query parameter.' })
  @MaxLength(256)
  random!: string;
}

/** Body of the V2 app-side calls `scanned` / `confirm` / `cancel`. @internal */
export class GenAuthV2RandomDto {
  @ApiProperty({ description: 'The random (QR code id) read from the QR code.' })
  @IsString({ message: '"random" is required: send the id read from the QR code.' })
  @IsNotEmpty({ message: '"random" is required: send the id read from the QR code.' })
  @MaxLength(256)
  random!: string;

  @ApiPropertyOptional({
    description: "Not GenAuth's: with the numberMatching option on, the number the page shows, sent with confirm.",
  })
  @IsOptional()
  @IsString()
  @MaxLength(16)
  matchCode?: string;
}

/** Body of `POST /api/v2/qrcode/userinfo`. @internal */
export class GenAuthV2TicketDto extends GenAuthExchangeTicketDto {}

// ---------------------------------------------------------------- V2 answers

/** @internal */
export class GenAuthV2EnvelopeDto {
  @ApiProperty({
    description:
      '200 on success; otherwise an error code (2241: no such QR code, 2020: not logged in, else the HTTP-style status). The HTTP status stays 200.',
    example: 200,
  })
  code!: number;
  @ApiProperty() message!: string;
}

/** @internal */
export class GenAuthV2GeneDataDto {
  @ApiProperty({ description: 'The QR code id.' }) random!: string;
  @ApiProperty({ description: 'Data URL of the QR image.' }) url!: string;
  @ApiProperty({ description: 'Seconds until the code expires.' }) expiresIn!: number;
  @ApiPropertyOptional() customLogo?: string;
}

/** @internal */
export class GenAuthV2GeneRespDto extends GenAuthV2EnvelopeDto {
  @ApiProperty({ type: GenAuthV2GeneDataDto }) data!: GenAuthV2GeneDataDto;
}

/** @internal */
export class GenAuthV2UserInfoDto {
  @ApiPropertyOptional() id?: string;
  @ApiProperty() nickname!: string;
  @ApiProperty() photo!: string;
  @ApiPropertyOptional() username?: string;
  @ApiPropertyOptional() email?: string;
  @ApiPropertyOptional() phone?: string;
  @ApiPropertyOptional({ description: 'The access token (only from qrcode/userinfo).' }) token?: string;
  @ApiPropertyOptional({ description: 'When token expires, ISO 8601.' }) tokenExpiredAt?: string;
}

/** @internal */
export class GenAuthV2StatusDataDto {
  @ApiProperty() random!: string;
  @ApiProperty({
    enum: [0, 1, 2, 3, -1, 5],
    description: '0 pending, 1 scanned, 2 authorized, 3 cancelled, -1 expired, 5 error.',
  })
  status!: number;
  @ApiPropertyOptional({ type: String, nullable: true }) ticket?: string | null;
  @ApiProperty({ type: GenAuthV2UserInfoDto, description: 'Empty until scanned, then nickname and photo.' })
  userInfo!: Partial<GenAuthV2UserInfoDto>;
}

/** @internal */
export class GenAuthV2StatusRespDto extends GenAuthV2EnvelopeDto {
  @ApiProperty({ type: GenAuthV2StatusDataDto }) data!: GenAuthV2StatusDataDto;
}

/** @internal */
export class GenAuthV2UserInfoRespDto extends GenAuthV2EnvelopeDto {
  @ApiProperty({ type: GenAuthV2UserInfoDto }) data!: GenAuthV2UserInfoDto;
}

/** @internal */
export class GenAuthV2ActionDataDto {
  @ApiProperty() random!: string;
  @ApiProperty({ description: "The code's status after the action, as in check." }) status!: number;
  @ApiProperty() description!: string;
}

/** @internal */
export class GenAuthV2ActionRespDto extends GenAuthV2EnvelopeDto {
  @ApiProperty({ type: GenAuthV2ActionDataDto }) data!: GenAuthV2ActionDataDto;
}
