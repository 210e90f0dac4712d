import { Controller, Get, Header, HttpCode, Post, Req, UseFilters, UseGuards, type Type } from '@nestjs/common';
import {
  headerOf,
  mountQrLoginController,
  QrLoginRateLimitGuard,
  requestHtuOf,
  type QrLoginRouteDecorators,
} from '../../plugin';
import {
  QrLoginDeviceGrantService,
  type DeviceAuthorizationResponse,
  type DeviceGrantMetadata,
  type DeviceGrantRequest,
} from './device-grant.service';
import { DeviceGrantErrorFilter } from './device-error.filter';
import type { DeviceTokenResponse } from './device-token-set';

/**
 * The origin a request was made to, as the adapter reports it (`trust proxy` applies to the protocol on
 * Express). Both adapters give every request `headers` and `protocol`; an HTTP/1.0 request may lack `Host`.
 */
function originOf(request: any): string {
  const host = request.headers.host ?? request.hostname ?? 'localhost';
  return `${request.protocol}://${host}`;
}

function deviceRequest(request: any): DeviceGrantRequest {
  const dpop = headerOf(request, 'dpop');
  return {
    raw: request,
    body: request.body,
    // Node keeps the first Authorization header of a request and drops the others: a string or nothing.
    authorization: request.headers.authorization,
    origin: originOf(request),
    ...(dpop !== undefined ? { dpop: { proof: dpop, htu: requestHtuOf(request) } } : {}),
  };
}

/**
 * The two endpoints of RFC 8628, form-encoded in, JSON out. Its path is the
 * `routePrefix` extra: the module mounts a subclass carrying that path.
 * @internal
 */
@Controller()
@UseFilters(DeviceGrantErrorFilter)
export class QrLoginDeviceGrantController {
  constructor(private readonly grant: QrLoginDeviceGrantService) {}

  /** Device: starts a flow (RFC 8628 §3.1). Counted like code creation, per address. */
  @Post('device_authorization')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @UseGuards(QrLoginRateLimitGuard('create'))
  authorize(@Req() request: any): Promise<DeviceAuthorizationResponse> {
    return this.grant.authorize(deviceRequest(request));
  }

  /** Device: polls for its token (RFC 8628 §3.4). Counted like status reads, per address. */
  @Post('token')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @Header('Pragma', 'no-cache')
  @UseGuards(QrLoginRateLimitGuard('status'))
  token(@Req() request: any): Promise<DeviceTokenResponse> {
    return this.grant.token(deviceRequest(request));
  }
}

/**
 * Mounts the endpoints under `prefix`, marked as the module's controllers and carrying the app's `routeDecorators`.
 * @internal
 */
export function deviceGrantControllerAt(
  prefix: string,
  decorators: QrLoginRouteDecorators = [],
): Type<QrLoginDeviceGrantController> {
  return mountQrLoginController(QrLoginDeviceGrantController, { path: prefix, decorators });
}

/** RFC 8414 metadata, for clients that discover the endpoints (e.g. openid-client's `discovery`). @internal */
export function deviceDiscoveryControllerAt(prefix: string, decorators: QrLoginRouteDecorators = []): Type<unknown> {
  @Controller('.well-known')
  class QrLoginDeviceDiscoveryController {
    constructor(private readonly grant: QrLoginDeviceGrantService) {}

    @Get('oauth-authorization-server')
    @Header('Cache-Control', 'public, max-age=300')
    metadata(@Req() request: any): DeviceGrantMetadata {
      return this.grant.metadata(originOf(request), prefix);
    }
  }
  // Nest injects by the emitted constructor types; a class made in a function still carries them.
  return mountQrLoginController(QrLoginDeviceDiscoveryController, { decorators });
}
