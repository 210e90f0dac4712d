import type { QrLoginRequesterView, QrLoginRiskAssessment } from '../../kernel/interfaces/qr-login-risk.port';
import { ApiProperty, ApiPropertyOptional } from '../qr-login.openapi';
import {
  QR_CODE_STATUSES,
  type BriefUserInfo,
  type QrCodeStatus,
  type QrRequesterInfo,
} from '../../kernel/interfaces/qr-code.interface';
import type {
  QrCodeCreated,
  QrCodeStatusView,
  QrScanResult,
  QrUserCodeRequest,
} from '../../kernel/interfaces/qr-login-views.interface';

/*
 * Classes for the OpenAPI description of the native answers. The interfaces
 * in interfaces/qr-login-views.interface.ts are the contract; these mirror
 * them field for field (each `implements` its interface, so they cannot drift).
 */

const STATUSES = [...QR_CODE_STATUSES];

/** @internal */
export class BriefUserInfoDto implements BriefUserInfo {
  @ApiProperty({ example: 'Alice' })
  displayName!: string;
  @ApiPropertyOptional({ description: 'Avatar URL.' })
  photo?: string;
}

/** @internal */
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

/**
 * The requester as the phone sees it at SCAN: parsed, placed, and marked where the browser could forge it.
 * @internal
 */
export class QrRequesterViewDto extends QrRequesterInfoDto implements QrLoginRequesterView {
  @ApiPropertyOptional({
    description: 'Browser parsed from the user agent (client-supplied): { name, version }.',
    type: 'object',
    additionalProperties: true,
  })
  browser?: QrLoginRequesterView['browser'];
  @ApiPropertyOptional({
    description: 'Operating system parsed from the user agent (client-supplied): { name, version }.',
    type: 'object',
    additionalProperties: true,
  })
  os?: QrLoginRequesterView['os'];
  @ApiPropertyOptional({
    description: 'Device parsed from the user agent (client-supplied): { type, vendor, model }.',
    type: 'object',
    additionalProperties: true,
  })
  device?: QrLoginRequesterView['device'];
  @ApiPropertyOptional({
    description: 'Where the address is (country, city, asn, coordinates), when a geo database is configured.',
    type: 'object',
    additionalProperties: true,
  })
  place?: QrLoginRequesterView['place'];
  @ApiProperty({ type: [String], description: 'Fields the browser wrote itself and could forge; show them as claims.' })
  clientSupplied!: string[];
}

/** The risk assessment of a scan. @internal */
export class QrScanRiskDto implements QrLoginRiskAssessment {
  @ApiProperty({ enum: ['allow', 'warn'], description: "The policy's verdict; a deny refuses the scan instead." })
  verdict!: QrLoginRiskAssessment['verdict'];
  @ApiProperty({
    type: [String],
    description:
      'Stable flag names: different-network, different-asn, different-country, far-away, anonymous-network, unknown-location.',
  })
  flags!: QrLoginRiskAssessment['flags'];
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'sameIp, sameNetwork, sameAsn, sameCountry, distanceKm.',
  })
  facts!: QrLoginRiskAssessment['facts'];
}

/** @internal */
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
  @ApiPropertyOptional({
    description: 'A code to type instead of scanning (RFC 8628 style), unless userCodes is off.',
    example: 'WDJB-MJHT',
  })
  userCode?: string;
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
  @ApiPropertyOptional({
    description: 'The code to type instead of scanning; creator only, while open.',
    example: 'WDJB-MJHT',
  })
  userCode?: string;
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

/** @internal */
export class QrScanClientDto {
  @ApiProperty({ example: 'living-room-tv' })
  id!: string;
  @ApiProperty({ example: 'Living-room TV' })
  name!: string;
}

export class QrScanResultDto implements QrScanResult {
  @ApiProperty()
  qrcodeId!: string;
  @ApiProperty({ enum: ['SCANNED'] })
  status!: 'SCANNED';
  @ApiProperty({
    enum: ['qr', 'device'],
    description:
      'What is approved: qr (a page beside the phone) or device (a device flow, which may be anywhere: ask whether the user started it on a screen in front of them).',
  })
  flow!: 'qr' | 'device';
  @ApiPropertyOptional({
    type: QrScanClientDto,
    description: "For a device flow: the OAuth client's id and display name.",
  })
  client?: { id: string; name: string };
  @ApiProperty({ description: 'Seconds left to confirm.' })
  expiresIn!: number;
  @ApiProperty({ type: QrRequesterViewDto, description: 'Who asked to log in.' })
  requester!: QrLoginRequesterView;
  @ApiProperty({ type: QrScanRiskDto, description: 'How the browser and the phone compare.' })
  risk!: QrLoginRiskAssessment;
  @ApiPropertyOptional({
    type: [String],
    description:
      'Number matching: the choices to offer (numbers for a QR; user codes for a device flow reached by a link); send the one picked as matchCode.',
  })
  matchChoices?: string[];
  @ApiPropertyOptional({ enum: ['number', 'user-code'], description: 'What matchChoices holds.' })
  matchKind?: 'number' | 'user-code';
}

/** @internal */
export class QrUserCodeRequestDto implements QrUserCodeRequest {
  @ApiProperty({ enum: ['qr', 'device'] })
  flow!: 'qr' | 'device';
  @ApiPropertyOptional({
    type: QrScanClientDto,
    description: "For a device flow: the OAuth client's id and display name.",
  })
  client?: { id: string; name: string };
  @ApiPropertyOptional({ description: 'The site asking (appName).' })
  appName?: string;
  @ApiProperty({ enum: ['PENDING', 'SCANNED'] })
  status!: 'PENDING' | 'SCANNED';
  @ApiProperty({ description: 'Seconds until the code expires.' })
  expiresIn!: number;
}

export class QrLoginErrorDto {
  @ApiProperty({ example: 409 })
  statusCode!: number;
  @ApiProperty({ example: 'QR_WRONG_STATE', description: 'Stable machine-readable code.' })
  code!: string;
  @ApiProperty()
  message!: string;
}
