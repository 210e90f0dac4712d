import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';

/**
 * Serves the OpenAPI description of every route (the module's native and
 * GenAuth-compatible ones, and the sample's own) at `/docs-json`, with
 * Swagger UI at `/docs`. The UI's files come from the swagger-ui package on
 * this server: nothing is loaded from a CDN.
 */
export function setupOpenApi(app: INestApplication): void {
  const config = new DocumentBuilder()
    .setTitle('nestjs-qr-login sample')
    .setDescription('Scan-to-login routes of nestjs-qr-login (native and GenAuth compatible) and the sample app.')
    .setVersion('1')
    .addBearerAuth()
    .build();
  const document = SwaggerModule.createDocument(app, config);
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
}
