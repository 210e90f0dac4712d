import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import {
  QR_LOGIN_DPOP_ALGORITHMS,
  type QrCodeBinding,
  type QrCodeProof,
  QrLoginDpopVerifier,
  QrLoginError,
  QrLoginHttpService,
  QrLoginService,
} from '../../plugin';
import { deviceDpopKey, verifyDeviceDpop } from './device-dpop';
import { authenticateDeviceClient, formField } from './device-client.auth';
import type { ResolvedDeviceGrantConfig } from './device.config';
import { DEVICE_CODE_GRANT_TYPE, DEVICE_VIA, QR_LOGIN_DEVICE_CONFIG, SLOW_DOWN_MS } from './device.constants';
import { deviceErrors } from './device.errors';
import { toDeviceTokenResponse, type DeviceTokenResponse } from './device-token-set';

/** The device authorization response (RFC 8628 §3.2). */
export interface DeviceAuthorizationResponse {
  device_code: string;
  user_code: string;
  verification_uri: string;
  verification_uri_complete: string;
  expires_in: number;
  interval: number;
}

/** The authorization server metadata (RFC 8414) the discovery route serves. */
export interface DeviceGrantMetadata {
  issuer: string;
  device_authorization_endpoint: string;
  token_endpoint: string;
  grant_types_supported: string[];
  token_endpoint_auth_methods_supported: string[];
  response_types_supported: string[];
  /** DPoP (RFC 9449 §5.1): the proof algorithms the token endpoint takes. */
  dpop_signing_alg_values_supported: string[];
}

/**
 * A device code is the code's creator secret alone (256 random bits): opaque,
 * it holds nothing a phone route accepts. The store maps its SHA-256 to the
 * code (an alias in `DEVICE_CODE_SCOPE`, so every instance finds it); the
 * kernel checks the secret itself against the hash on the record.
 */
const DEVICE_CODE = /^[A-Za-z0-9_-]{43}$/;

/** The alias scope that maps a device code's hash to its code. */
const DEVICE_CODE_SCOPE = 'device-code';

/**
 * How long the device code's alias outlives the code's expiry, ms, beyond
 * the ticket's life: long enough that a poll after expiry still reads the
 * code (and answers `expired_token`) rather than an unknown device code.
 */
const ALIAS_GRACE_MS = 60_000;

function deviceCodeKey(deviceCode: string): string {
  return createHash('sha256').update(deviceCode).digest('base64url');
}

/** What a request brings along that the service needs, whatever the HTTP adapter. */
export interface DeviceGrantRequest {
  /** The raw request, for the kernel's HTTP glue (requester facts). */
  raw: unknown;
  /** The form body. */
  body: unknown;
  authorization?: string;
  /** The origin the request was made to (`http://host:port`), the issuer when none is configured. */
  origin: string;
  /** The request's `DPoP` header, and the URL a proof for it must name (as the app sees it behind its proxy). */
  dpop?: { proof: string; htu: string | undefined };
}

/**
 * The OAuth 2.0 device authorization grant (RFC 8628) over the kernel. A
 * device flow is a code like any other: created with the creator's binding
 * plus the client it was issued to, and made a device flow, so the kernel
 * lets phones reach it only by its user code. The device code is the
 * creator secret alone (so a stolen `user_code` cannot redeem, and the code's
 * id never leaves the server); the phone scans it by its user code and
 * confirms, and the token endpoint polls it (paced by the kernel, across
 * instances) and redeems its ticket once.
 */
@Injectable()
export class QrLoginDeviceGrantService {
  constructor(
    private readonly kernel: QrLoginService,
    private readonly http: QrLoginHttpService,
    @Inject(QR_LOGIN_DEVICE_CONFIG) private readonly config: ResolvedDeviceGrantConfig,
    private readonly dpop: QrLoginDpopVerifier,
  ) {}

  /** The issuer: the configured public URL, else the origin the request reached. */
  issuerFor(origin: string): string {
    return this.config.issuer ? this.config.issuer() : origin.replace(/\/+$/, '');
  }

  /** RFC 8414 metadata naming the two endpoints. */
  metadata(origin: string, routePrefix: string): DeviceGrantMetadata {
    const issuer = this.issuerFor(origin);
    const methods = new Set([...this.config.clients.values()].map((client) => client.method));
    return {
      issuer,
      device_authorization_endpoint: `${issuer}/${routePrefix}/device_authorization`,
      token_endpoint: `${issuer}/${routePrefix}/token`,
      grant_types_supported: [DEVICE_CODE_GRANT_TYPE],
      token_endpoint_auth_methods_supported: [...methods],
      response_types_supported: [],
      dpop_signing_alg_values_supported: [...QR_LOGIN_DPOP_ALGORITHMS],
    };
  }

  /** RFC 8628 §3.1–3.2: a new device flow for an authenticated client. */
  async authorize(request: DeviceGrantRequest): Promise<DeviceAuthorizationResponse> {
    const client = authenticateDeviceClient(this.config, request.authorization, request.body);
    const scope = formField(request.body, 'scope');
    if (scope !== undefined && scope.length > 1000)
      throw deviceErrors.invalidRequest('"scope" is longer than 1000 characters.');
    // draft-parecki-oauth-dpop-device-flow: a dpop_jkt parameter or a DPoP proof binds the flow to a key.
    const creatorKey = await deviceDpopKey(this.dpop, request);
    const binding: QrCodeBinding = {
      reveal: 'creator',
      redeem: 'creator',
      client: client.bindingClient,
      via: DEVICE_VIA,
    };
    // The hooks learn which client asked, and for what (e.g. to issue a narrower token to a TV).
    const context = { deviceGrant: { clientId: client.clientId, ...(scope !== undefined ? { scope } : {}) } };
    // A device flow: the kernel makes it reachable by its user code only, and has a phone that
    // came by a link pick that code among decoys (see SECURITY.md, device-flow phishing).
    const created = await this.kernel
      .create({ context }, this.http.requesterOf(request.raw), {
        binding,
        flow: 'device',
        client: { id: client.clientId, name: client.name },
        ...(creatorKey ? { creatorKey } : {}),
      })
      .catch(rethrow);
    if (!created.userCode)
      throw new Error('QrLoginModule gave the code no user code; the device grant needs userCodes on (the default).');
    const deviceCode = created.creatorSecret;
    const { clock, ticketTtlMs } = this.kernel.settings;
    const aliasUntil = clock.now() + (created.expiresIn + 1) * 1000 + ticketTtlMs + ALIAS_GRACE_MS;
    const mapped = await this.kernel
      .setAlias(DEVICE_CODE_SCOPE, deviceCodeKey(deviceCode), created.qrcodeId, aliasUntil)
      .catch(rethrow);
    if (!mapped)
      throw new Error(
        'The store refused a fresh device-code alias; its setAlias must answer true for an unused alias.',
      );
    const verificationUri = this.config.verificationUri(this.issuerFor(request.origin));
    return {
      device_code: deviceCode,
      user_code: created.userCode,
      verification_uri: verificationUri,
      verification_uri_complete: `${verificationUri}${verificationUri.includes('?') ? '&' : '?'}user_code=${encodeURIComponent(created.userCode)}`,
      expires_in: created.expiresIn,
      interval: this.config.intervalSeconds,
    };
  }

  /** RFC 8628 §3.4–3.5: one poll of the token endpoint. */
  async token(request: DeviceGrantRequest): Promise<DeviceTokenResponse> {
    const client = authenticateDeviceClient(this.config, request.authorization, request.body);
    const grantType = formField(request.body, 'grant_type');
    if (grantType === undefined)
      throw deviceErrors.invalidRequest(`"grant_type" is required: ${DEVICE_CODE_GRANT_TYPE}.`);
    if (grantType !== DEVICE_CODE_GRANT_TYPE) throw deviceErrors.unsupportedGrantType(grantType);
    const deviceCode = formField(request.body, 'device_code');
    if (deviceCode === undefined)
      throw deviceErrors.invalidRequest('"device_code" is required: the one the device authorization answered.');
    if (!DEVICE_CODE.test(deviceCode)) throw deviceErrors.invalidGrant('This device_code was not issued here.');
    const qrcodeId = await this.kernel.resolveAlias(DEVICE_CODE_SCOPE, deviceCodeKey(deviceCode)).catch(rethrow);
    // Unknown, or forgotten long after its expiry: the same answer as a wrong secret, so a guesser learns nothing.
    if (qrcodeId === null)
      throw deviceErrors.invalidGrant('This device_code is not valid for this client (unknown, or redeemed already).');
    // A flow bound to a key answers only to a proof by it (the kernel decides, from the record).
    const dpopJkt = request.dpop ? (await verifyDeviceDpop(this.dpop, request)).jkt : undefined;
    const proof: QrCodeProof = {
      creatorSecrets: [deviceCode],
      client: client.bindingClient,
      ...(dpopJkt ? { dpopJkt } : {}),
    };
    return this.redeemWhenReady(qrcodeId, proof).catch(rethrow);
  }

  private async redeemWhenReady(qrcodeId: string, proof: QrCodeProof): Promise<DeviceTokenResponse> {
    const { view, slowDown, intervalMs } = await this.kernel.poll(qrcodeId, proof, {
      intervalMs: this.config.intervalSeconds * 1000,
      slowDownMs: SLOW_DOWN_MS,
    });
    switch (view.status) {
      case 'PENDING':
      case 'SCANNED':
        throw slowDown ? deviceErrors.slowDown(Math.ceil(intervalMs / 1000)) : deviceErrors.authorizationPending();
      case 'CANCELLED':
        throw deviceErrors.accessDenied();
      case 'AUTHORIZED':
        break;
      default:
        throw deviceErrors.expiredToken();
    }
    if (view.ticket === undefined)
      throw deviceErrors.invalidGrant(
        'This device_code was redeemed already (or its token window passed); start a new device flow.',
      );
    const context = await this.kernel.redeemTicket(view.ticket, proof);
    const user = await this.kernel.loadUser(context);
    const answer = toDeviceTokenResponse(
      await this.kernel.issueTokenSet(user, context),
      this.kernel.settings.clock.now(),
    );
    // RFC 9449 §5: a token issued to a key-bound flow is a DPoP token (the hook put cnf.jkt in it from context.dpop).
    return context.dpop ? { ...answer, token_type: 'DPoP' } : answer;
  }
}

/** The kernel's refusals, as the device grant's clients read them. */
function rethrow(error: unknown): never {
  if (!(error instanceof QrLoginError)) throw error;
  switch (error.code) {
    case 'QR_TICKET_EXPIRED':
    case 'QR_EXPIRED':
      throw deviceErrors.expiredToken();
    case 'QR_USER_REFUSED':
    case 'QR_RISK_DENIED':
      throw deviceErrors.accessDenied();
    case 'QR_RATE_LIMITED':
      throw deviceErrors.rateLimited(error.retryAfterSeconds ?? 1);
    case 'QR_DPOP_PROOF_REQUIRED':
    case 'QR_DPOP_KEY_MISMATCH':
      throw deviceErrors.invalidDpopProof(error.message);
    case 'QR_STORE_UNAVAILABLE':
    case 'QR_STORE_FULL':
      throw deviceErrors.unavailable(error.retryAfterSeconds ?? 5);
    case 'QR_VALIDATION_FAILED':
    case 'QR_PAYLOAD_TOO_LARGE':
    case 'QR_ORIGIN_NOT_ALLOWED':
      throw deviceErrors.invalidRequest(error.message);
    default:
      // Not found, wrong secret or client, used ticket: the same answer, so a guesser learns nothing.
      throw deviceErrors.invalidGrant('This device_code is not valid for this client (unknown, or redeemed already).');
  }
}
