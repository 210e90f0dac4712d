import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { QrLoginWechatException } from './wechat.errors';
import { parseWechatXml, readWebhookBody } from './wechat-webhook.body';

describe('parseWechatXml', () => {
  it('reads the fields of a push as text, CDATA or not, digits kept as written', () => {
    const message = parseWechatXml(
      '<xml><ToUserName><![CDATA[gh_1]]></ToUserName><CreateTime>1700000000</CreateTime><EventKey><![CDATA[007]]></EventKey><Event><![CDATA[SCAN]]></Event></xml>',
    );
    expect(message).toEqual({ ToUserName: 'gh_1', CreateTime: '1700000000', EventKey: '007', Event: 'SCAN' });
  });

  it('expands no entities and refuses DTDs', () => {
    expect(parseWechatXml('<xml><Event>&lt;&amp;</Event></xml>').Event).toBe('&lt;&amp;');
    expect(() =>
      parseWechatXml('<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><xml><Event>&e;</Event></xml>'),
    ).toThrow(QrLoginWechatException);
  });

  it('refuses malformed XML and other roots', () => {
    expect(() => parseWechatXml('<xml><Event>SCAN</xml>')).toThrow(/malformed XML/);
    expect(() => parseWechatXml('<root/>')).toThrow(/<xml> root/);
  });
});

describe('readWebhookBody', () => {
  it('takes a parsed string, a Buffer, a rawBody or the unread stream', async () => {
    expect(await readWebhookBody({ body: '<xml/>' }, 100)).toBe('<xml/>');
    expect(await readWebhookBody({ body: Buffer.from('<xml/>') }, 100)).toBe('<xml/>');
    expect(await readWebhookBody({ body: {}, rawBody: Buffer.from('<xml/>') }, 100)).toBe('<xml/>');
    expect(await readWebhookBody(Readable.from([Buffer.from('<xml>'), Buffer.from('</xml>')]), 100)).toBe(
      '<xml></xml>',
    );
  });

  it('refuses a body over the limit, and one another parser turned into an object', async () => {
    await expect(readWebhookBody(Readable.from([Buffer.alloc(200)]), 100)).rejects.toThrow(/maxWebhookBodyBytes/);
    await expect(readWebhookBody({ body: 'x'.repeat(200) }, 100)).rejects.toThrow(/maxWebhookBodyBytes/);
    await expect(readWebhookBody({ body: { xml: {} } }, 100)).rejects.toThrow(/rawBody: true/);
  });
});
