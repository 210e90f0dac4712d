import { EventEmitter } from 'node:events';
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

  it('refuses a DOCTYPE or an ENTITY declaration, in any case, even around a well-formed push', () => {
    const refusal = 'The WeChat push cannot be read: a DOCTYPE or ENTITY declaration is not allowed.';
    for (const xml of [
      '<!DOCTYPE xml><xml><Event>SCAN</Event></xml>',
      '<!doctype xml><xml><Event>SCAN</Event></xml>',
      '<xml><!ENTITY e "x"><Event>SCAN</Event></xml>',
      '<xml><!entity e "x"><Event>SCAN</Event></xml>',
    ]) {
      expect(() => parseWechatXml(xml), xml).toThrow(
        expect.objectContaining({ code: 'QR_WECHAT_WEBHOOK_BODY_INVALID', message: refusal }),
      );
    }
  });

  it("quotes the parser's reason for malformed XML, cut to 120 characters", () => {
    // The parser names the unclosed tag, so its reason runs past 120 characters.
    const tag = 'E'.repeat(150);
    let message = '';
    try {
      parseWechatXml(`<xml><${tag}>x</xml>`);
    } catch (error) {
      expect(error).toMatchObject({ code: 'QR_WECHAT_WEBHOOK_BODY_INVALID' });
      message = (error as Error).message;
    }
    const prefix = 'The WeChat push cannot be read: malformed XML (';
    expect(message.startsWith(`${prefix}Expected closing tag 'EEE`)).toBe(true);
    expect(message.endsWith(').')).toBe(true);
    expect(message.length - prefix.length - ').'.length).toBe(120);
  });

  it('refuses an <xml> root that holds text or nothing rather than fields', () => {
    const refusal = 'The WeChat push cannot be read: expected one <xml> root element holding the message fields.';
    for (const xml of ['<xml>SCAN</xml>', '<xml></xml>', '<xml/>'])
      expect(() => parseWechatXml(xml), xml).toThrow(expect.objectContaining({ message: refusal }));
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

  it('refuses, with how to fix it, when there is no request or stream to read', async () => {
    const refusal = {
      code: 'QR_WECHAT_WEBHOOK_BODY_INVALID',
      message:
        'The WeChat push cannot be read: another body parser consumed the text/xml body; let text/xml through unparsed, or create the app with { rawBody: true }.',
    };
    for (const request of [undefined, null, {}, { body: null }])
      await expect(readWebhookBody(request, 100)).rejects.toMatchObject(refusal);
    const ended = Readable.from([]);
    ended.resume();
    await new Promise((resolve) => ended.on('end', resolve));
    await expect(readWebhookBody(ended, 100)).rejects.toMatchObject(refusal);
    // Destroyed before its end: nothing more will come, and its error is not this request's concern.
    const destroyed = new Readable({ read() {} });
    destroyed.destroy(new Error('connection reset'));
    await expect(readWebhookBody(destroyed, 100)).rejects.toMatchObject(refusal);
  });

  it('passes on an error of the stream and stops listening to it', async () => {
    const stream = Object.assign(new EventEmitter(), { readable: true });
    const pending = readWebhookBody(stream, 100);
    const reset = new Error('connection reset');
    stream.emit('error', reset);
    expect(['data', 'end', 'error'].map((event) => stream.listenerCount(event))).toEqual([0, 0, 0]);
    await expect(pending).rejects.toBe(reset);
  });
});
