import { EventEmitter } from 'node:events';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { closedAfterEach } from '../../../test/support/closed-after-each';
import { QrLoginWechatException } from './wechat.errors';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { parseWechatXml, readWebhookBody, registerXmlContentParser } from './wechat-webhook.body';

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
    const destroyed = new Readable({ read() {} }).on('error', () => undefined);
    destroyed.destroy(new Error('connection reset'));
    await expect(readWebhookBody(destroyed, 100)).rejects.toMatchObject(refusal);
  });

  it('takes a body of exactly the limit, counted in bytes, and refuses one byte more', async () => {
    const exact = '字'.repeat(33) + 'x'; // 100 bytes
    expect(await readWebhookBody({ body: exact }, 100)).toBe(exact);
    expect(await readWebhookBody(Readable.from([Buffer.from(exact)]), 100)).toBe(exact);
    const refusal = 'The WeChat push cannot be read: the body is larger than maxWebhookBodyBytes (100).';
    await expect(readWebhookBody({ body: `${exact}x` }, 100)).rejects.toThrow(refusal);
    await expect(readWebhookBody(Readable.from([Buffer.from(exact), Buffer.from('x')]), 100)).rejects.toThrow(refusal);
  });

  it('refuses a stream as soon as it passes the limit, without waiting for its end, and stops listening', async () => {
    const stream = Object.assign(new EventEmitter(), { readable: true });
    const pending = readWebhookBody(stream, 100);
    stream.emit('data', 'x'.repeat(60));
    expect(stream.listenerCount('data')).toBe(1);
    stream.emit('data', 'x'.repeat(41));
    expect(['data', 'end', 'error'].map((event) => stream.listenerCount(event))).toEqual([0, 0, 0]);
    await expect(pending).rejects.toThrow(
      'The WeChat push cannot be read: the body is larger than maxWebhookBodyBytes (100).',
    );
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

describe('registerXmlContentParser', () => {
  const keep = closedAfterEach<{ close(): Promise<unknown> }>();

  /** A Fastify adapter whose route answers what its body parser left: [type, body]. */
  const fastifyWith = (setup?: (instance: any) => void) => {
    const adapter = new FastifyAdapter();
    const instance: any = adapter.getInstance();
    keep({ close: () => instance.close() });
    setup?.(instance);
    instance.post('/push', async (request: any) => [typeof request.body, request.body]);
    return { adapter, instance };
  };
  const post = async (instance: any, contentType: string, payload: string) => {
    const answer = await instance.inject({
      method: 'POST',
      url: '/push',
      headers: { 'content-type': contentType },
      payload,
    });
    return [answer.statusCode, answer.statusCode === 200 ? answer.json() : answer.json().code];
  };

  it('keeps text/xml and application/xml bodies as text on Fastify, up to the limit in bytes', async () => {
    const { adapter, instance } = fastifyWith();
    registerXmlContentParser(adapter, 20);
    expect(await post(instance, 'text/xml', '<xml>0123456789</xml>'.slice(0, 20))).toEqual([
      200,
      ['string', '<xml>0123456789</xml>'.slice(0, 20)],
    ]);
    expect(await post(instance, 'application/xml; charset=utf-8', '<xml/>')).toEqual([200, ['string', '<xml/>']]);
    expect(await post(instance, 'text/xml', '<xml>0123456789</xml>')).toEqual([413, 'FST_ERR_CTP_BODY_TOO_LARGE']);
  });

  it("leaves an app's own XML parser in place, and adds only the missing type", async () => {
    const { adapter, instance } = fastifyWith((fastify) =>
      fastify.addContentTypeParser('text/xml', { parseAs: 'string' }, (_request: unknown, body: string, done: any) =>
        done(null, { own: body }),
      ),
    );
    expect(() => registerXmlContentParser(adapter, 100)).not.toThrow();
    expect(await post(instance, 'text/xml', '<xml/>')).toEqual([200, ['object', { own: '<xml/>' }]]);
    expect(await post(instance, 'application/xml', '<xml/>')).toEqual([200, ['string', '<xml/>']]);
  });

  it('does nothing without an adapter, on Express, or on an adapter that cannot say its type', () => {
    const express = new ExpressAdapter();
    const used = { getInstance: () => ({}) };
    expect(() => registerXmlContentParser(undefined, 100)).not.toThrow();
    expect(() => registerXmlContentParser(express, 100)).not.toThrow();
    expect(() => registerXmlContentParser(used as any, 100)).not.toThrow();
  });
});
