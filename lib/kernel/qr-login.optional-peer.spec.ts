import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { QrLoginConfigError } from './qr-login.errors';
import { isMissingPackage, requireOptionalPeer } from './qr-login.optional-peer';

// A real require, as the library's call sites use, so Node's own "not found" error is what is recognised.
const load = createRequire(__filename);

describe('requireOptionalPeer', () => {
  it('loads an installed package', () => {
    const rxjs = requireOptionalPeer<typeof import('rxjs')>(() => load('rxjs'), 'rxjs', 'unused');
    expect(typeof rxjs.Observable).toBe('function');
  });

  it('turns a missing package into QrLoginConfigError with the given advice', () => {
    const attempt = () =>
      requireOptionalPeer(
        () => load('nestjs-qr-login-absent-peer'),
        'nestjs-qr-login-absent-peer',
        'Run `npm install nestjs-qr-login-absent-peer`.',
      );
    expect(attempt).toThrow(QrLoginConfigError);
    expect(attempt).toThrow('Run `npm install nestjs-qr-login-absent-peer`.');
  });

  it('rethrows any other failure of an installed package as it is', () => {
    const broken = Object.assign(new Error("Cannot find module 'denque'"), { code: 'MODULE_NOT_FOUND' });
    const thrown = (() => {
      try {
        requireOptionalPeer(
          () => {
            throw broken;
          },
          'ioredis',
          'unused',
        );
      } catch (error) {
        return error;
      }
    })();
    expect(thrown).toBe(broken);
  });
});

describe('isMissingPackage', () => {
  it('is true for the package itself, from require or import()', () => {
    const required = Object.assign(new Error("Cannot find module 'pg'\nRequire stack:\n- /app/index.js"), {
      code: 'MODULE_NOT_FOUND',
    });
    const imported = Object.assign(new Error("Cannot find package 'pg' imported from /app/index.mjs"), {
      code: 'ERR_MODULE_NOT_FOUND',
    });
    expect(isMissingPackage(required, 'pg')).toBe(true);
    expect(isMissingPackage(imported, 'pg')).toBe(true);
  });

  it('is false for a missing dependency of an installed package, even when the require stack names the package', () => {
    const inner = Object.assign(
      new Error("Cannot find module 'denque'\nRequire stack:\n- /app/node_modules/ioredis/built/index.js"),
      {
        code: 'MODULE_NOT_FOUND',
      },
    );
    expect(isMissingPackage(inner, 'ioredis')).toBe(false);
    expect(isMissingPackage(new SyntaxError("Unexpected token in 'pg'"), 'pg')).toBe(false);
    expect(isMissingPackage(undefined, 'pg')).toBe(false);
  });
});
