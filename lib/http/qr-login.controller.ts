import {
  Body,
  Controller,
  Get,
  Header,
  HttpCode,
  Param,
  Post,
  Req,
  Res,
  StreamableFile,
  UseFilters,
  UseGuards,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { ConfirmQrCodeDto } from './dto/confirm-qr-code.dto';
import { CreateQrCodeDto } from './dto/create-qr-code.dto';
import { QrLoginRateLimitGuard } from './rate-limit/qr-login-rate-limit.guard';
import { QrLoginDpopGuard } from './dpop/qr-login-dpop.guard';
import { QrLoginAppUserGuard } from '../auth/qr-login-app-user.guard';
import { qrErrors } from '../kernel/qr-login.errors';
import { QrLoginGuard } from '../auth/qr-login.guard';
import { ipOf } from './qr-login.request';
import { QrLoginErrorFilter } from './qr-login-error.filter';
import { QrLoginHttpService } from './qr-login-http.service';
import { QrLoginSseHub } from './qr-login-sse.hub';
import { QrLoginService } from '../kernel/qr-login.service';
import { getQrLoginContext } from '../auth/qr-login.strategy';
import { qrLoginValidationPipe } from './qr-login.validation';
import { RedeemTicketDto } from './dto/redeem-ticket.dto';
import { QrCodeCreatedDto, QrCodeStatusViewDto, QrLoginErrorDto, QrScanResultDto } from './dto/qr-login-responses.dto';
import {
  ApiBearerAuth,
  ApiBody,
  ApiCreatedResponse,
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiResponse,
  ApiTags,
} from './qr-login.openapi';
import type { QrCodeCreated, QrCodeStatusView, QrScanResult } from '../kernel/interfaces/qr-login-views.interface';

/**
 * The module's own validation, for request bodies only: a controller-wide pipe
 * also ran on every path parameter and cost the status poll (the hottest
 * route) about a quarter of its throughput on Fastify (BENCHMARKS.md).
 */
const body = qrLoginValidationPipe();

/**
 * The native routes of a code by its id, for the web page and the phone. Its
 * path is the `routePrefix` module setting: the module mounts a subclass of
 * this controller carrying that path. The phone's routes by user code are in
 * `QrLoginUserCodeController`, mounted beside it the same way.
 * @internal
 */
@Controller()
@ApiTags('qr-login')
@UseFilters(QrLoginErrorFilter)
export class QrLoginController {
  constructor(
    private readonly service: QrLoginService,
    private readonly http: QrLoginHttpService,
    private readonly hub: QrLoginSseHub,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  /** Web page: creates a code and sets the creator cookie. */
  @ApiOperation({ summary: 'Create a QR code (web page); sets the HttpOnly creator cookie' })
  @ApiCreatedResponse({ type: QrCodeCreatedDto })
  @ApiResponse({ status: 400, type: QrLoginErrorDto, description: 'QR_VALIDATION_FAILED' })
  @ApiResponse({ status: 429, type: QrLoginErrorDto, description: 'QR_RATE_LIMITED' })
  @Post('qrcodes')
  @HttpCode(201)
  @UseGuards(QrLoginRateLimitGuard('create'), QrLoginDpopGuard)
  @Header('Cache-Control', 'no-store')
  async create(
    @Body(body) payload: CreateQrCodeDto,
    @Req() request: any,
    @Res({ passthrough: true }) response: any,
  ): Promise<QrCodeCreated> {
    // A JSON `null` passes class validation; only an object or no body at all is a request.
    if (payload === null || request.body === null)
      throw qrErrors.validation('The body must be a JSON object such as {} or { "customData": { ... } }.');
    return this.http.create(payload ?? {}, request, response);
  }

  /** Web page: the current status; the ticket only for the creator. */
  @ApiOperation({ summary: 'Status of a code; who scanned and the ticket only for the creator' })
  @ApiHeader({
    name: 'x-qr-login-secret',
    required: false,
    description: 'Creator proof for callers without the cookie',
  })
  @ApiOkResponse({ type: QrCodeStatusViewDto })
  @ApiResponse({ status: 404, type: QrLoginErrorDto, description: 'QR_NOT_FOUND' })
  @Get('qrcodes/:qrcodeId')
  @UseGuards(QrLoginRateLimitGuard('status'), QrLoginDpopGuard)
  @Header('Cache-Control', 'no-store')
  status(@Param('qrcodeId') qrcodeId: string, @Req() request: any): Promise<QrCodeStatusView> {
    return this.service.getStatus(qrcodeId, this.http.proofOf(request));
  }

  /**
   * Web page: the QR image of a code, for `imageUrl: 'route'` (the create
   * answer's `url` then points here). Cacheable by the browser for the code's
   * remaining life: an id always encodes the same payload.
   */
  @ApiOperation({ summary: "The QR image of a code (SVG or PNG per imageFormat); cacheable for the code's life" })
  @ApiProduces('image/svg+xml', 'image/png')
  @ApiResponse({ status: 404, type: QrLoginErrorDto, description: 'QR_NOT_FOUND' })
  @ApiResponse({ status: 410, type: QrLoginErrorDto, description: 'QR_EXPIRED' })
  @Get('qrcodes/:qrcodeId/image')
  @UseGuards(QrLoginRateLimitGuard('status'))
  async image(@Param('qrcodeId') qrcodeId: string, @Res({ passthrough: true }) response: any): Promise<StreamableFile> {
    const image = await this.service.image(qrcodeId);
    this.adapterHost.httpAdapter.setHeader(
      response,
      'Cache-Control',
      `private, max-age=${image.maxAgeSeconds}, immutable`,
    );
    return new StreamableFile(image.body, { type: image.contentType, length: image.body.length });
  }

  /**
   * Web page: Server-Sent Events, the current status first, then every change,
   * with keep-alive comments between; the stream ends after a terminal status.
   * Written by `QrLoginSseHub` straight to the raw response (not `@Sse`), so an
   * idle stream costs about what a bare Node stream does (BENCHMARKS.md).
   */
  @ApiOperation({ summary: 'Server-Sent Events: the status now, then each change; ends after a terminal status' })
  @ApiProduces('text/event-stream')
  @ApiOkResponse({ type: QrCodeStatusViewDto, description: "Each event's data is one status view (JSON)" })
  @ApiResponse({ status: 404, type: QrLoginErrorDto, description: 'QR_NOT_FOUND' })
  @Get('qrcodes/:qrcodeId/events')
  @UseGuards(QrLoginRateLimitGuard('events'), QrLoginDpopGuard)
  async events(@Param('qrcodeId') qrcodeId: string, @Req() request: any, @Res() response: any): Promise<void> {
    // Unknown ids answer 404 before the stream opens.
    await this.service.getStatus(qrcodeId);
    const ip = ipOf(request) ?? 'unknown';
    if (!this.hub.hasRoomFor(ip)) throw qrErrors.rateLimited(5);
    const proof = this.http.proofOf(request);
    // Fastify: take the reply over and keep the headers hooks set on it (CORS); Express's response is the raw one.
    const fastify = typeof response?.hijack === 'function' && response.raw !== undefined;
    if (fastify) response.hijack();
    const headers = fastify ? response.getHeaders() : {};
    this.hub.open(qrcodeId, proof, ip, request.raw ?? request, fastify ? response.raw : response, headers);
  }

  /** Phone: SCAN; answers who asked to log in. */
  @ApiOperation({ summary: 'Phone: SCAN; answers who asked to log in' })
  @ApiBearerAuth()
  @ApiOkResponse({ type: QrScanResultDto })
  @ApiResponse({ status: 401, type: QrLoginErrorDto, description: 'QR_APP_USER_UNAUTHENTICATED' })
  @ApiResponse({ status: 403, type: QrLoginErrorDto, description: 'QR_USER_CODE_REQUIRED (a device flow)' })
  @ApiResponse({ status: 409, type: QrLoginErrorDto, description: 'QR_WRONG_STATE / QR_ALREADY_SCANNED' })
  @ApiResponse({ status: 410, type: QrLoginErrorDto, description: 'QR_EXPIRED' })
  @Post('qrcodes/:qrcodeId/scan')
  @HttpCode(200)
  @UseGuards(QrLoginAppUserGuard, QrLoginRateLimitGuard('appAction'))
  scan(@Param('qrcodeId') qrcodeId: string, @Req() request: any): Promise<QrScanResult> {
    return this.service.scan(qrcodeId, request.user, this.http.requesterOf(request));
  }

  /** Phone: CONFIRM, by the user who scanned. */
  @ApiOperation({ summary: 'Phone: CONFIRM, by the user who scanned' })
  @ApiBearerAuth()
  @ApiOkResponse({ type: QrCodeStatusViewDto })
  @ApiResponse({
    status: 403,
    type: QrLoginErrorDto,
    description:
      'QR_NOT_SCANNER / QR_MATCH_FAILED / QR_PASSKEY_REQUIRED / QR_PASSKEY_INVALID / QR_PASSKEY_REPLAYED / QR_PASSKEY_COUNTER',
  })
  @ApiResponse({ status: 409, type: QrLoginErrorDto, description: 'QR_WRONG_STATE' })
  @Post('qrcodes/:qrcodeId/confirm')
  @HttpCode(200)
  @UseGuards(QrLoginAppUserGuard, QrLoginRateLimitGuard('appAction'))
  confirm(
    @Param('qrcodeId') qrcodeId: string,
    @Body(body) payload: ConfirmQrCodeDto,
    @Req() request: any,
  ): Promise<QrCodeStatusView> {
    return this.service.confirm(qrcodeId, request.user, { matchCode: payload?.matchCode, passkey: payload?.passkey });
  }

  /** Phone: CANCEL, by the user who scanned. */
  @ApiOperation({ summary: 'Phone: CANCEL, by the user who scanned' })
  @ApiBearerAuth()
  @ApiOkResponse({ type: QrCodeStatusViewDto })
  @ApiResponse({ status: 403, type: QrLoginErrorDto, description: 'QR_NOT_SCANNER / QR_USER_CODE_REQUIRED' })
  @Post('qrcodes/:qrcodeId/cancel')
  @HttpCode(200)
  @UseGuards(QrLoginAppUserGuard, QrLoginRateLimitGuard('appAction'))
  cancel(@Param('qrcodeId') qrcodeId: string, @Req() request: any): Promise<QrCodeStatusView> {
    return this.service.cancel(qrcodeId, request.user);
  }

  /** Web page: redeems the ticket (once) and answers the `issueTokenSet` hook's result. */
  @ApiOperation({ summary: 'Redeem the ticket once; answers the issueTokenSet hook for the user who confirmed' })
  @ApiBody({ type: RedeemTicketDto })
  @ApiOkResponse({
    description: 'What the issueTokenSet option returns (by default { user })',
    schema: { type: 'object', additionalProperties: true },
  })
  @ApiResponse({
    status: 401,
    type: QrLoginErrorDto,
    description:
      'QR_TICKET_MISSING / QR_TICKET_INVALID / QR_TICKET_EXPIRED / QR_TICKET_USED / QR_CREATOR_SECRET_REQUIRED',
  })
  @Post('login')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @UseGuards(QrLoginRateLimitGuard('redeem'), QrLoginDpopGuard, QrLoginGuard)
  login(@Req() request: any): Promise<unknown> {
    // The hook gets the context as the other hooks see it, without the user beside it.
    const { user, ...context } = getQrLoginContext(request)!;
    return this.service.issueTokenSet(user, context);
  }
}
