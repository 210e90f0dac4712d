import { describe, expect, it } from 'vitest';
import { loadSwagger, SWAGGER_AVAILABLE } from './qr-login.openapi';

/*
 * `@nestjs/swagger` is an optional peer: its absence turns the OpenAPI
 * decorators into no-ops, while a broken installation is still thrown.
 */

/** A loader that fails as Node's require does, with `code` and `message`. */
const failing = (code: string | undefined, message: string) => () => {
  throw Object.assign(new Error(message), code === undefined ? {} : { code });
};

describe('loadSwagger', () => {
  it("answers the package's exports when it loads (as in this repository)", () => {
    const exports = { ApiTags: () => () => undefined };
    expect(loadSwagger(() => exports)).toBe(exports);
    expect(SWAGGER_AVAILABLE).toBe(true);
  });

  it('answers undefined when @nestjs/swagger itself is not installed, from require or import', () => {
    expect(loadSwagger(failing('MODULE_NOT_FOUND', "Cannot find module '@nestjs/swagger'"))).toBeUndefined();
    expect(loadSwagger(failing('ERR_MODULE_NOT_FOUND', "Cannot find package '@nestjs/swagger'"))).toBeUndefined();
  });

  it('throws what a broken installation throws', () => {
    // Installed, but one of its own dependencies is missing.
    const brokenDependency = failing('MODULE_NOT_FOUND', "Cannot find module 'swagger-ui-dist'");
    expect(() => loadSwagger(brokenDependency)).toThrow("Cannot find module 'swagger-ui-dist'");
    // Found, but failing as it loads.
    const failingToLoad = failing('EACCES', "EACCES: permission denied, open '@nestjs/swagger/dist/index.js'");
    expect(() => loadSwagger(failingToLoad)).toThrow('EACCES: permission denied');
    expect(() => loadSwagger(failing(undefined, '@nestjs/swagger: unexpected token'))).toThrow('unexpected token');
    expect(() =>
      loadSwagger(() => {
        throw null;
      }),
    ).toThrow();
  });
});
