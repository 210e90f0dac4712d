import { randomBytes } from 'node:crypto';
import { decryptWechatMessage, encryptWechatMessage, isWechatSignature, wechatSignature } from './wechat-crypto';
import { wechatErrors } from './wechat.errors';
import { parseWechatXml, type WechatMessage } from './wechat-webhook.body';
import type { WechatOfficialAccountConnection } from './interfaces/wechat-options.interface';

/*
 * What makes an official-account push trustworthy, as plain functions of
 * (connection, query, body, now): the signature, the age of its timestamp and,
 * in safe mode, the encrypted body and its addressee. Replay memory (the
 * nonce) needs the store and lives in the service.
 */

/** A query parameter as one string ('' when absent or repeated oddly). @internal */
export function queryText(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/** The plain `signature` over (token, timestamp, nonce), which every push and the server-URL check carry. @internal */
export function checkPlainSignature(connection: WechatOfficialAccountConnection, query: Record<string, unknown>): void {
  if (!isWechatSignature(query.signature, connection.token, queryText(query.timestamp), queryText(query.nonce))) {
    throw wechatErrors.signatureInvalid();
  }
}

/**
 * Refuses a `timestamp` (seconds since the epoch, as WeChat sends it) more
 * than `windowMs` from `now` (ms) either way, so a logged URL expires.
 * @internal
 */
export function checkPushTimestamp(query: Record<string, unknown>, now: number, windowMs: number): void {
  const timestamp = queryText(query.timestamp);
  const seconds = /^\d{1,12}$/.test(timestamp) ? Number(timestamp) : NaN;
  if (!Number.isFinite(seconds) || Math.abs(seconds * 1000 - now) > windowMs)
    throw wechatErrors.pushStale(Math.round(windowMs / 1000));
}

/**
 * The message of a push whose plain signature and timestamp were checked.
 * Safe mode (the connection has `encodingAESKey`) ignores what the query
 * claims about encryption: the body must be an `<Encrypt>` envelope with a
 * valid `msg_signature`, and the decrypted message must be addressed to the
 * connection's `originalId`. Plain mode refuses an encrypted push it cannot read.
 * @internal
 */
export function openPush(
  connection: WechatOfficialAccountConnection,
  query: Record<string, unknown>,
  raw: string,
): WechatMessage {
  const envelope = parseWechatXml(raw);
  if (!connection.encodingAESKey) {
    if (queryText(query.encrypt_type) === 'aes' || envelope.Encrypt !== undefined) {
      throw wechatErrors.webhookBodyInvalid(
        `the push is encrypted but connection "${connection.id}" has no "encodingAESKey"; add the account's EncodingAESKey.`,
      );
    }
    checkAddressee(connection, envelope);
    return envelope;
  }
  const encrypted = envelope.Encrypt;
  if (!encrypted || queryText(query.msg_signature) === '') throw wechatErrors.plaintextRefused(connection.id);
  if (
    !isWechatSignature(
      query.msg_signature,
      connection.token,
      queryText(query.timestamp),
      queryText(query.nonce),
      encrypted,
    )
  ) {
    throw wechatErrors.signatureInvalid();
  }
  let plain: string;
  try {
    plain = decryptWechatMessage(encrypted, connection.encodingAESKey, connection.appId);
  } catch {
    throw wechatErrors.webhookBodyInvalid(
      `it does not decrypt to a message for app id ${connection.appId}; check the connection's "encodingAESKey" and "appId".`,
    );
  }
  const message = parseWechatXml(plain);
  // The envelope's addressee is outside the signature; the one inside counts, and the outer one may not disagree.
  checkAddressee(connection, message);
  if (envelope.ToUserName !== undefined) checkAddressee(connection, envelope);
  return message;
}

function checkAddressee(connection: WechatOfficialAccountConnection, message: WechatMessage): void {
  if (connection.originalId !== undefined && message.ToUserName !== connection.originalId)
    throw wechatErrors.wrongAccount(connection.id);
}

/** Text inside CDATA: a `]]>` in it is split across two sections. */
function cdata(text: string): string {
  return `<![CDATA[${text.replace(/]]>/g, ']]]]><![CDATA[>')}]]>`;
}

/**
 * A passive text reply to `message`'s sender (the body WeChat relays to the
 * user), encrypted and signed in safe mode as WeChat expects.
 * @internal
 */
export function wechatTextReply(
  connection: WechatOfficialAccountConnection,
  message: WechatMessage,
  content: string,
  now: number,
): string {
  const created = String(Math.floor(now / 1000));
  const xml =
    `<xml><ToUserName>${cdata(message.FromUserName ?? '')}</ToUserName><FromUserName>${cdata(message.ToUserName ?? '')}</FromUserName>` +
    `<CreateTime>${created}</CreateTime><MsgType>${cdata('text')}</MsgType><Content>${cdata(content)}</Content></xml>`;
  if (!connection.encodingAESKey) return xml;
  const encrypted = encryptWechatMessage(xml, connection.encodingAESKey, connection.appId);
  const nonce = String(randomBytes(4).readUInt32BE());
  const signature = wechatSignature(connection.token, created, nonce, encrypted);
  return `<xml><Encrypt>${cdata(encrypted)}</Encrypt><MsgSignature>${cdata(signature)}</MsgSignature><TimeStamp>${created}</TimeStamp><Nonce>${cdata(nonce)}</Nonce></xml>`;
}
