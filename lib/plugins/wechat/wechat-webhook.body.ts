import type { AbstractHttpAdapter } from '@nestjs/core';
import { XMLParser } from 'fast-xml-parser';
import { wechatErrors } from './wechat.errors';

/** A WeChat push: the child elements of `<xml>`, each as text (`ToUserName`, `FromUserName`, `Event`, …). */
export type WechatMessage = Record<string, string>;

// Values stay text (an EventKey of digits must not become a number), and no
// entity of any kind is expanded, so a hostile body cannot grow in memory.
const parser = new XMLParser({
  ignoreAttributes: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  processEntities: false,
  htmlEntities: false,
  parseTagValue: false,
  trimValues: true,
});

/** Parses a push (plain, or the envelope of an encrypted one). @internal */
export function parseWechatXml(xml: string): WechatMessage {
  // WeChat never sends a DTD; refusing one outright rules out entity tricks.
  if (/<!DOCTYPE|<!ENTITY/i.test(xml))
    throw wechatErrors.webhookBodyInvalid('a DOCTYPE or ENTITY declaration is not allowed.');
  let document: any;
  try {
    document = parser.parse(xml, true);
  } catch (error) {
    throw wechatErrors.webhookBodyInvalid(
      `malformed XML (${String((error as Error)?.message ?? error).slice(0, 120)}).`,
    );
  }
  const root = document?.xml;
  if (!root || typeof root !== 'object' || Array.isArray(root)) {
    throw wechatErrors.webhookBodyInvalid('expected one <xml> root element holding the message fields.');
  }
  const message: WechatMessage = {};
  for (const [name, value] of Object.entries(root)) {
    if (typeof value === 'string') message[name] = value;
  }
  return message;
}

/**
 * The raw text of a webhook body, whichever way the app parses bodies:
 * a string or Buffer some parser left (Fastify's, registered by
 * `registerXmlContentParser`, or the app's own), Nest's `rawBody`, or —
 * on Express, where nothing parses `text/xml` — the unread request stream.
 * @internal
 */
export async function readWebhookBody(request: any, limit: number): Promise<string> {
  const body = request?.body;
  let text: string | undefined;
  if (typeof body === 'string') text = body;
  else if (Buffer.isBuffer(body)) text = body.toString('utf8');
  else if (Buffer.isBuffer(request?.rawBody)) text = request.rawBody.toString('utf8');
  else if (isUnreadStream(request)) text = await readStream(request, limit);
  if (text === undefined) {
    throw wechatErrors.webhookBodyInvalid(
      'another body parser consumed the text/xml body; let text/xml through unparsed, or create the app with { rawBody: true }.',
    );
  }
  if (Buffer.byteLength(text) > limit)
    throw wechatErrors.webhookBodyInvalid(`the body is larger than maxWebhookBodyBytes (${limit}).`);
  return text;
}

function isUnreadStream(request: any): boolean {
  return typeof request?.on === 'function' && request.readable === true && request.readableEnded !== true;
}

function readStream(stream: NodeJS.ReadableStream & { destroy?: () => void }, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer | string) => {
      const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      size += buffer.length;
      if (size > limit) {
        cleanup();
        reject(wechatErrors.webhookBodyInvalid(`the body is larger than maxWebhookBodyBytes (${limit}).`));
        return;
      }
      chunks.push(buffer);
    };
    const onEnd = () => {
      cleanup();
      resolve(Buffer.concat(chunks).toString('utf8'));
    };
    const onError = (error: unknown) => {
      cleanup();
      reject(error);
    };
    const cleanup = () => {
      stream.removeListener('data', onData);
      stream.removeListener('end', onEnd);
      stream.removeListener('error', onError);
    };
    stream.on('data', onData);
    stream.on('end', onEnd);
    stream.on('error', onError);
  });
}

const XML_TYPES = ['text/xml', 'application/xml'];

/**
 * Fastify answers 415 to a content type it has no parser for, before any
 * route runs; WeChat posts `text/xml`. So on Fastify the module adds a parser
 * that keeps such bodies as text — only where the app has none of its own, so
 * an app's XML parser is never replaced. Express needs nothing: the stream
 * stays unread for `readWebhookBody`.
 * @internal
 */
export function registerXmlContentParser(adapter: AbstractHttpAdapter | undefined, limit: number): void {
  if (!adapter || adapter.getType?.() !== 'fastify') return;
  const fastify = adapter.getInstance();
  for (const type of XML_TYPES) {
    if (fastify.hasContentTypeParser(type)) continue;
    fastify.addContentTypeParser(
      type,
      { parseAs: 'string', bodyLimit: limit },
      (_request: unknown, body: string, done: (error: Error | null, body?: string) => void) => done(null, body),
    );
  }
}
