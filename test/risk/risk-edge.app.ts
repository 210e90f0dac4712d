import { randomUUID } from 'node:crypto';
import { Body, Controller, Headers, Module, Param, Post, Req } from '@nestjs/common';
import {
  assessQrLoginRisk,
  describeRequester,
  acceptsCreateOrigin,
  lookupPlace,
  normalizeOriginAllowList,
  QR_LOGIN_RISK_DENIED_REASON,
  type QrLoginGeoLookup,
  type QrLoginRiskPolicy,
} from '../../lib/risk';
import { qrErrors } from '../../lib/kernel/qr-login.errors';
import { toHttpError } from '../../lib/http/qr-login.exception';
import type { QrRequesterInfo } from '../../lib/kernel/interfaces/qr-code.interface';

/*
 * A stand-in for the scan edge, built only from the public risk helpers the
 * way the module wires them: the create checks the Origin, the scan compares
 * the creating browser with the phone and asks the policy. It lets these
 * helpers be tested over real HTTP on both adapters with a real database.
 */
export interface RiskEdgeSettings {
  geo: QrLoginGeoLookup;
  allowedOrigins: string[];
  requireOrigin?: boolean;
  policy?: QrLoginRiskPolicy;
}

export const riskEdgeSettings: { current?: RiskEdgeSettings } = {};
const codes = new Map<string, { requester: QrRequesterInfo; status: string; cancelReason?: string }>();

@Controller('edge')
class RiskEdgeController {
  @Post('codes')
  create(@Req() request: { ip?: string }, @Headers('origin') origin?: string, @Headers('user-agent') userAgent?: string) {
    const settings = riskEdgeSettings.current!;
    const allowedOrigins = normalizeOriginAllowList(settings.allowedOrigins);
    if (!acceptsCreateOrigin(origin, { allowedOrigins, requireOrigin: settings.requireOrigin })) throw toHttpError(qrErrors.originNotAllowed(origin));
    const id = randomUUID();
    codes.set(id, { requester: { ip: request.ip, userAgent, createdAt: new Date().toISOString() }, status: 'PENDING' });
    return { id };
  }

  @Post('codes/:id/scan')
  async scan(@Param('id') id: string, @Req() request: { ip?: string }, @Body() _body: unknown) {
    const settings = riskEdgeSettings.current!;
    const code = codes.get(id)!;
    const requester = await describeRequester(code.requester, { geo: settings.geo });
    const scanner = { ip: request.ip, place: await lookupPlace(settings.geo, request.ip) };
    const risk = await assessQrLoginRisk({ requester, scanner, qrcodeId: id }, settings.policy, { expectLocation: true });
    if (risk.verdict === 'deny') {
      code.status = 'CANCELLED';
      code.cancelReason = QR_LOGIN_RISK_DENIED_REASON;
      throw toHttpError(qrErrors.riskDenied());
    }
    code.status = 'SCANNED';
    return { qrcodeId: id, status: 'SCANNED', requester, risk: { verdict: risk.verdict, flags: risk.flags, facts: risk.facts } };
  }

  @Post('codes/:id/status')
  status(@Param('id') id: string) {
    const { status, cancelReason } = codes.get(id)!;
    return { status, cancelReason };
  }
}

@Module({ controllers: [RiskEdgeController] })
export class RiskEdgeModule {}
