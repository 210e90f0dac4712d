import { ApiProperty, ApiPropertyOptional } from '../qr-login.openapi';
import type { BriefUserInfo, QrCodeStatus, QrRequesterInfo } from '../../kernel/interfaces/qr-code.interface';
import type { QrCodeCreated, QrCodeStatusView, QrScanResult } from '../../kernel/interfaces/qr-login-views.interface';

/*
 * Classes for the OpenAPI description of the native answers. The interfaces
 * in interfaces/qr-login-views.interface.ts are the contract; these mirror
 * them field for field (each `implements` its interface, so they cannot drift).
 */

const STATUSES: QrCodeStatus[] = ['PENDING', 'SCANNED', 'AUTHORIZED', 'CANCELLED', 'EXPIRED', 'ERROR'];

export class BriefUserInfoDto implements BriefUserInfo {
  @ApiProperty({ example: 'Alice' })
  displayName!: string;
  @ApiPropertyOptional({ description: 'Avatar URL.' })
  photo?: string;
}

export class QrRequesterInfoDto implements QrRequesterInfo {
  @ApiPropertyOptional({ description: 'Address of the browser that created the code.' })
  ip?: string;
  @ApiPropertyOptional({ description: "The creating browser's User-Agent." })
  userAgent?: string;
  @ApiProperty({ description: 'When the code was created, ISO 8601.' })
  createdAt!: string;
  @ApiPropertyOptional({ description: 'The site asking (appName option).' })
  appName?: string;
}

export class QrCodeCreatedDto implements QrCodeCreated {
  @ApiProperty({ description: 'Id of the code (27 characters).' })
  qrcodeId!: string;
  @ApiProperty({ description: 'Data URL of the QR image.' })
  url!: string;
  @ApiProperty({ description: 'The text inside the QR image.' })
  payload!: string;
  @ApiPropertyOptional({ description: 'For WeChat mini-program codes: a logo to stitch onto the image.' })
  customLogoUrl?: string;
  @ApiProperty({ description: 'Seconds until the code expires.' })
  expiresIn!: number;
  @ApiPropertyOptional({ description: 'With number matching on: the number to show beside the QR.' })
  matchCode?: string;
  @ApiProperty({ description: 'Creator proof for callers without cookies; send it back as x-qr-login-secret.' })
  creatorSecret!: string;
}

export class QrCodeStatusViewDto implements QrCodeStatusView {
  @ApiProperty()
  qrcodeId!: string;
  @ApiProperty({ enum: STATUSES })
  status!: QrCodeStatus;
  @ApiPropertyOptional({ description: 'Seconds left while PENDING or SCANNED.' })
  expiresIn?: number;
  @ApiPropertyOptional({ type: BriefUserInfoDto, description: 'Who scanned; creator only.' })
  briefUserInfo?: BriefUserInfo;
  @ApiPropertyOptional({ description: 'Once AUTHORIZED, creator only, until redeemed.' })
  ticket?: string;
  @ApiPropertyOptional({ description: 'Number matching: the number to show; creator only.' })
  matchCode?: string;
  @ApiPropertyOptional({ description: 'On a rotation event: the new image.' })
  url?: string;
  @ApiPropertyOptional({ description: 'On a rotation event: the new payload.' })
  payload?: string;
  @ApiPropertyOptional({ description: 'On a rotation event: the id this code replaced.' })
  rotatedFrom?: string;
  @ApiPropertyOptional({ description: 'On CANCELLED: why, when not by the user (e.g. MATCH_FAILED).' })
  cancelReason?: string;
  @ApiPropertyOptional({ description: 'On ERROR: the error code.' })
  code?: string;
  @ApiPropertyOptional({ description: 'On ERROR: what went wrong.' })
  message?: string;
}

export class QrScanResultDto implements QrScanResult {
  @ApiProperty()
  qrcodeId!: string;
  @ApiProperty({ enum: ['SCANNED'] })
  status!: 'SCANNED';
  @ApiProperty({ description: 'Seconds left to confirm.' })
  expiresIn!: number;
  @ApiProperty({ type: QrRequesterInfoDto, description: 'Who asked to log in.' })
  requester!: QrRequesterInfo;
  @ApiPropertyOptional({ type: [String], description: 'Number matching: the numbers to offer.' })
  matchChoices?: string[];
}

export class QrLoginErrorDto {
  @ApiProperty({ example: 409 })
  statusCode!: number;
  @ApiProperty({ example: 'QR_WRONG_STATE', description: 'Stable machine-readable code.' })
  code!: string;
  @ApiProperty()
  message!: string;
}
