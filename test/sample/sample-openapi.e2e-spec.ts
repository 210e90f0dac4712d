import type { INestApplication } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSampleApp } from '../support/sample-app';

/** Every route the sample serves through the module, with the method and the shapes OpenAPI must list. */
const ROUTES: Array<[method: string, path: string, body: string | null, answer: string | null]> = [
  ['post', '/qr-login/qrcodes', 'CreateQrCodeDto', 'QrCodeCreatedDto'],
  ['get', '/qr-login/qrcodes/{qrcodeId}', null, 'QrCodeStatusViewDto'],
  ['get', '/qr-login/qrcodes/{qrcodeId}/events', null, 'QrCodeStatusViewDto'],
  ['post', '/qr-login/qrcodes/{qrcodeId}/scan', null, 'QrScanResultDto'],
  ['post', '/qr-login/qrcodes/{qrcodeId}/confirm', 'ConfirmQrCodeDto', 'QrCodeStatusViewDto'],
  ['post', '/qr-login/qrcodes/{qrcodeId}/cancel', null, 'QrCodeStatusViewDto'],
  ['post', '/qr-login/login', 'RedeemTicketDto', null],
  ['post', '/api/v3/gene-qrcode', 'GenAuthGeneQrCodeDto', 'GenAuthGeneQrCodeRespDto'],
  ['get', '/api/v3/check-qrcode-status', null, 'GenAuthQrCodeStatusRespDto'],
  ['get', '/api/v3/get-qrcode-status', null, 'GenAuthQrCodeStatusRespDto'],
  ['post', '/api/v3/exchange-tokenset-with-qrcode-ticket', 'GenAuthExchangeTicketDto', 'GenAuthLoginTokenRespDto'],
  ['post', '/api/v3/change-qrcode-status', 'GenAuthChangeQrCodeStatusDto', null],
  ['post', '/api/v3/set-qrcode-status', 'GenAuthChangeQrCodeStatusDto', 'GenAuthIsSuccessRespDto'],
  ['post', '/api/v2/qrcode/gene', 'GenAuthV2GeneDto', 'GenAuthV2GeneRespDto'],
  ['get', '/api/v2/qrcode/check', null, 'GenAuthV2StatusRespDto'],
  ['post', '/api/v2/qrcode/userinfo', 'GenAuthV2TicketDto', 'GenAuthV2UserInfoRespDto'],
  ['post', '/api/v2/qrcode/scanned', 'GenAuthV2RandomDto', 'GenAuthV2ActionRespDto'],
  ['post', '/api/v2/qrcode/confirm', 'GenAuthV2RandomDto', 'GenAuthV2ActionRespDto'],
  ['post', '/api/v2/qrcode/cancel', 'GenAuthV2RandomDto', 'GenAuthV2ActionRespDto'],
];

const refOf = (node: any): string | undefined => {
  const ref = node?.$ref ?? node?.allOf?.find((p: any) => p.$ref)?.$ref;
  return typeof ref === 'string' ? ref.split('/').pop() : undefined;
};

describe.each(['express', 'fastify'] as const)('OpenAPI of the sample on %s', (adapter) => {
  let app: INestApplication;
  let url: string;
  let document: any;

  beforeAll(async () => {
    ({ app, url } = await startSampleApp({ adapter }));
    const response = await fetch(`${url.replace('[::1]', '127.0.0.1')}/docs-json`);
    expect(response.status).toBe(200);
    document = await response.json();
  });
  afterAll(() => app.close());

  it.each(ROUTES)('lists %s %s with its request and answer shapes', (method, path, body, answer) => {
    const operation = document.paths?.[path]?.[method];
    expect(operation, `${method} ${path}`).toBeDefined();
    if (body) expect(refOf(operation.requestBody?.content?.['application/json']?.schema)).toBe(body);
    if (answer) {
      const responses = Object.values(operation.responses ?? {}) as any[];
      const refs = responses.flatMap((r) => Object.values(r.content ?? {}).map((c: any) => refOf(c.schema)));
      expect(refs).toContain(answer);
    }
  });

  it('describes the shapes it refers to', () => {
    for (const name of [
      'QrCodeCreatedDto',
      'QrCodeStatusViewDto',
      'QrScanResultDto',
      'QrLoginErrorDto',
      'GenAuthGeneQrCodeRespDto',
    ]) {
      expect(document.components?.schemas?.[name]?.properties, name).toBeDefined();
    }
    expect(Object.keys(document.components.schemas.QrCodeCreatedDto.properties)).toEqual(
      expect.arrayContaining(['qrcodeId', 'url', 'payload', 'expiresIn', 'creatorSecret']),
    );
  });

  it('serves Swagger UI at /docs from this server', async () => {
    const response = await fetch(`${url.replace('[::1]', '127.0.0.1')}/docs`);
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain('swagger-ui');
    expect(html).not.toMatch(/https?:\/\/(?!localhost|127\.0\.0\.1)[a-z0-9.-]+\.[a-z]{2,}\/[^"']*\.(js|css)/i);
  });
});
