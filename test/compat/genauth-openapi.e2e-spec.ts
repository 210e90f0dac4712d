import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type INestApplication } from '@nestjs/common';
import { SWAGGER_AVAILABLE } from '../../lib/http/qr-login.openapi';
import { createTestApp } from '../app/test-app';

/*
 * With @nestjs/swagger installed (a dev dependency here), the compatible
 * routes describe their requests and GenAuth-shaped answers in the OpenAPI
 * document an app builds.
 */
describe('OpenAPI description of the compatible routes', () => {
  let app: INestApplication;
  let document: ReturnType<typeof SwaggerModule.createDocument>;
  beforeAll(async () => {
    ({ app } = await createTestApp({
      adapter: 'express',
      genauth: { v3: true, v2: true },
      options: { issueTokenSet: () => ({ access_token: 'a', expires_in: 60 }) },
    }));
    document = SwaggerModule.createDocument(app, new DocumentBuilder().setTitle('t').build());
  });
  afterAll(() => app.close());

  it('loads the optional peer when it is installed', () => {
    expect(SWAGGER_AVAILABLE).toBe(true);
  });

  it.each([
    ['post', '/api/v3/gene-qrcode', 'GenAuthGeneQrCodeDto', 'GenAuthGeneQrCodeRespDto'],
    ['get', '/api/v3/check-qrcode-status', undefined, 'GenAuthQrCodeStatusRespDto'],
    ['get', '/api/v3/get-qrcode-status', undefined, 'GenAuthQrCodeStatusRespDto'],
    ['post', '/api/v3/exchange-tokenset-with-qrcode-ticket', 'GenAuthExchangeTicketDto', 'GenAuthLoginTokenRespDto'],
    ['post', '/api/v3/change-qrcode-status', 'GenAuthChangeQrCodeStatusDto', 'GenAuthEnvelopeDto'],
    ['post', '/api/v3/set-qrcode-status', 'GenAuthChangeQrCodeStatusDto', 'GenAuthIsSuccessRespDto'],
    ['post', '/api/v2/qrcode/gene', 'GenAuthV2GeneDto', 'GenAuthV2GeneRespDto'],
    ['get', '/api/v2/qrcode/check', undefined, 'GenAuthV2StatusRespDto'],
    ['post', '/api/v2/qrcode/userinfo', 'GenAuthV2TicketDto', 'GenAuthV2UserInfoRespDto'],
    ['post', '/api/v2/qrcode/scanned', 'GenAuthV2RandomDto', 'GenAuthV2ActionRespDto'],
    ['post', '/api/v2/qrcode/confirm', 'GenAuthV2RandomDto', 'GenAuthV2ActionRespDto'],
    ['post', '/api/v2/qrcode/cancel', 'GenAuthV2RandomDto', 'GenAuthV2ActionRespDto'],
  ])('%s %s: request %s, answer %s', (method, path, requestSchema, responseSchema) => {
    const operation = (document.paths[path] as Record<string, any>)?.[method];
    expect(operation, `${method} ${path} is missing`).toBeDefined();
    if (requestSchema) {
      expect(operation.requestBody.content['application/json'].schema.$ref).toBe(
        `#/components/schemas/${requestSchema}`,
      );
    }
    expect(operation.responses['200'].content['application/json'].schema.$ref).toBe(
      `#/components/schemas/${responseSchema}`,
    );
  });

  it('describes the token set with GenAuth field names and the query parameters', () => {
    const schemas = document.components!.schemas as Record<string, any>;
    expect(Object.keys(schemas.GenAuthTokenSetDto.properties).sort()).toEqual(
      ['access_token', 'expire_in', 'id_token', 'refresh_token', 'scope', 'token_type'].sort(),
    );
    expect(schemas.GenAuthTokenSetDto.required.sort()).toEqual(['access_token', 'expire_in', 'token_type']);
    expect(schemas.GenAuthGeneQrCodeDto.required).toEqual(['type']);
    const query = (document.paths['/api/v3/get-qrcode-status'] as any).get.parameters;
    expect(query).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: 'qrcodeId', in: 'query', required: true })]),
    );
  });
});
