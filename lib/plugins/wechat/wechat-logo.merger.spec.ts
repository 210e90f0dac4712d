import { describe, expect, it } from 'vitest';
import { WechatLogoMerger, importOptional } from './wechat-logo.merger';
import type { ResolvedQrLoginWechatConfig } from './wechat.config';

describe('importOptional', () => {
  it('is undefined for a package that is not installed', async () => {
    const name = 'nestjs-qr-login-absent-peer';
    expect(await importOptional(() => import(name), name)).toBeUndefined();
  });

  it('rethrows any other failure, and a missing dependency of the package itself', async () => {
    await expect(importOptional(() => Promise.reject(new SyntaxError('bad binary')), 'sharp')).rejects.toThrow(
      'bad binary',
    );
    const inner = Object.assign(new Error("Cannot find module 'libvips-binding'"), { code: 'MODULE_NOT_FOUND' });
    await expect(importOptional(() => Promise.reject(inner), 'sharp')).rejects.toBe(inner);
  });

  it('loads a package that is installed', async () => {
    expect(await importOptional(() => import('pngjs'), 'pngjs')).toHaveProperty('PNG');
  });
});

describe('WechatLogoMerger without sharp', () => {
  class WithoutSharp extends WechatLogoMerger {
    protected override imageLibrary() {
      return Promise.resolve(undefined);
    }
  }

  it('answers 501 QR_WECHAT_MERGE_UNAVAILABLE, saying how to fix it', async () => {
    const merger = new WithoutSharp({ logoSize: 0.45, requestTimeoutMs: 1000 } as ResolvedQrLoginWechatConfig);
    const attempt = merger.merge(
      { id: 'mini', type: 'WECHAT_MINIPROGRAM', appId: 'wx', appSecret: 's', logoUrl: 'data:image/png;base64,AAAA' },
      Buffer.alloc(8),
    );
    await expect(attempt).rejects.toMatchObject({
      status: 501,
      response: {
        statusCode: 501,
        code: 'QR_WECHAT_MERGE_UNAVAILABLE',
        message: expect.stringContaining('npm install sharp'),
      },
    });
  });
});
