import { describe, expect, it } from 'vitest';
import { decryptWechatMessage, encryptWechatMessage, wechatSignature } from './wechat-crypto';
import { checkPlainSignature, openPush, queryText, wechatTextReply } from './wechat-push.verifier';
import { parseWechatXml } from './wechat-webhook.body';
import type { WechatOfficialAccountConnection } from './interfaces/wechat-options.interface';

/*
 * The push checks of an official account as plain functions: the plain
 * signature, then in safe mode the envelope, its msg_signature, decryption
 * and the addressee inside and outside; in plain mode the refusal of an
 * encrypted push and the addressee. And the reply, plain and encrypted.
 */

const KEY = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
const PLAIN = {
  id: 'plain',
  appId: 'wxapp',
  token: 'tok',
  originalId: 'gh_account',
} as WechatOfficialAccountConnection;
const SAFE = { ...PLAIN, id: 'safe', encodingAESKey: KEY } as WechatOfficialAccountConnection;
const TS = '1800000000';
const NONCE = '42';

const message = (to = 'gh_account') =>
  `<xml><ToUserName><![CDATA[${to}]]></ToUserName><FromUserName><![CDATA[openid-1]]></FromUserName><MsgType><![CDATA[event]]></MsgType></xml>`;

/** A safe-mode push: the envelope, and the query WeChat sends with it. */
function sealed(inner = message(), outerTo: string | null = 'gh_account', appId = 'wxapp') {
  const encrypted = encryptWechatMessage(inner, KEY, appId);
  const to = outerTo === null ? '' : `<ToUserName><![CDATA[${outerTo}]]></ToUserName>`;
  const raw = `<xml>${to}<Encrypt><![CDATA[${encrypted}]]></Encrypt></xml>`;
  const query = { timestamp: TS, nonce: NONCE, msg_signature: wechatSignature('tok', TS, NONCE, encrypted) };
  return { raw, query, encrypted };
}

/** 'ok', or the refusal's code and message. */
function verdict(run: () => unknown): string {
  try {
    run();
    return 'ok';
  } catch (error) {
    return `${(error as { code: string }).code}: ${(error as Error).message}`;
  }
}

const WRONG_ACCOUNT = (id: string) =>
  `QR_WECHAT_WRONG_ACCOUNT: The WeChat push is addressed to another account than connection "${id}"'s "originalId"; check that the server URL and "originalId" belong to the same account.`;
const SIGNATURE = expect.stringMatching(/^QR_WECHAT_SIGNATURE_INVALID: The WeChat signature does not match/);
const PLAINTEXT = expect.stringMatching(/^QR_WECHAT_PLAINTEXT_REFUSED: Connection "safe" is in safe mode/);

describe('queryText and checkPlainSignature', () => {
  it('reads a query parameter only as one string', () => {
    expect(queryText('x')).toBe('x');
    for (const value of [undefined, ['x'], 7]) expect(queryText(value)).toBe('');
  });

  it('accepts the signature over token, timestamp and nonce, and nothing else', () => {
    const signature = wechatSignature('tok', TS, NONCE);
    expect(verdict(() => checkPlainSignature(PLAIN, { signature, timestamp: TS, nonce: NONCE }))).toBe('ok');
    for (const query of [
      { signature, timestamp: TS, nonce: '43' },
      { signature, timestamp: '1800000001', nonce: NONCE },
      // Repeated parameters are not read as their first value.
      { signature, timestamp: [TS], nonce: NONCE },
      { signature, timestamp: TS, nonce: [NONCE] },
      { timestamp: TS, nonce: NONCE },
    ]) {
      expect(verdict(() => checkPlainSignature(PLAIN, query))).toEqual(SIGNATURE);
    }
    expect(
      verdict(() => checkPlainSignature({ ...PLAIN, token: 'other' }, { signature, timestamp: TS, nonce: NONCE })),
    ).toEqual(SIGNATURE);
  });
});

describe('openPush in plain mode', () => {
  it('reads a plain push addressed to the account', () => {
    expect(openPush(PLAIN, {}, message())).toEqual({
      ToUserName: 'gh_account',
      FromUserName: 'openid-1',
      MsgType: 'event',
    });
    // Without an originalId, no addressee is checked.
    expect(openPush({ ...PLAIN, originalId: undefined }, {}, message('gh_other')).ToUserName).toBe('gh_other');
  });

  it('refuses a push for another account, and an encrypted push it cannot read', () => {
    expect(verdict(() => openPush(PLAIN, {}, message('gh_other')))).toBe(WRONG_ACCOUNT('plain'));
    const encryptedRefusal = `QR_WECHAT_WEBHOOK_BODY_INVALID: The WeChat push cannot be read: the push is encrypted but connection "plain" has no "encodingAESKey"; add the account's EncodingAESKey.`;
    expect(verdict(() => openPush(PLAIN, { encrypt_type: 'aes' }, message()))).toBe(encryptedRefusal);
    expect(verdict(() => openPush(PLAIN, {}, sealed().raw))).toBe(encryptedRefusal);
    expect(verdict(() => openPush(PLAIN, { encrypt_type: ['aes'] }, message()))).toBe('ok');
    expect(verdict(() => openPush(PLAIN, { encrypt_type: 'raw' }, message()))).toBe('ok');
  });
});

describe('openPush in safe mode', () => {
  it('reads the message inside a signed envelope, whatever the query says about encryption', () => {
    const { raw, query } = sealed();
    const expected = { ToUserName: 'gh_account', FromUserName: 'openid-1', MsgType: 'event' };
    expect(openPush(SAFE, query, raw)).toEqual(expected);
    expect(openPush(SAFE, { ...query, encrypt_type: 'raw' }, raw)).toEqual(expected);
    // The outer addressee may be absent; the one inside counts.
    const bare = sealed(message(), null);
    expect(openPush(SAFE, bare.query, bare.raw)).toEqual(expected);
  });

  it('refuses a plain push, an envelope without msg_signature, and a bad msg_signature', () => {
    const { raw, query, encrypted } = sealed();
    expect(verdict(() => openPush(SAFE, query, message()))).toEqual(PLAINTEXT);
    expect(verdict(() => openPush(SAFE, query, '<xml><Encrypt></Encrypt></xml>'))).toEqual(PLAINTEXT);
    expect(verdict(() => openPush(SAFE, { ...query, msg_signature: undefined }, raw))).toEqual(PLAINTEXT);
    expect(verdict(() => openPush(SAFE, { ...query, msg_signature: '' }, raw))).toEqual(PLAINTEXT);
    expect(verdict(() => openPush(SAFE, { ...query, msg_signature: [query.msg_signature] }, raw))).toEqual(PLAINTEXT);
    // msg_signature covers token, timestamp, nonce and the ciphertext.
    for (const parts of [
      ['tok', TS, '43', encrypted],
      ['tok', '1800000001', NONCE, encrypted],
      ['other', TS, NONCE, encrypted],
      ['tok', TS, NONCE],
    ]) {
      expect(verdict(() => openPush(SAFE, { ...query, msg_signature: wechatSignature(...parts) }, raw))).toEqual(
        SIGNATURE,
      );
    }
    expect(verdict(() => openPush(SAFE, { ...query, timestamp: [TS] }, raw))).toEqual(SIGNATURE);
    expect(verdict(() => openPush(SAFE, { ...query, nonce: [NONCE] }, raw))).toEqual(SIGNATURE);
  });

  it('refuses what does not decrypt to a message for its app id', () => {
    const { raw, query } = sealed(message(), 'gh_account', 'wxother');
    expect(verdict(() => openPush(SAFE, query, raw))).toBe(
      `QR_WECHAT_WEBHOOK_BODY_INVALID: The WeChat push cannot be read: it does not decrypt to a message for app id wxapp; check the connection's "encodingAESKey" and "appId".`,
    );
  });

  it('refuses a message addressed to another account, inside or outside the envelope', () => {
    const inside = sealed(message('gh_other'), 'gh_account');
    expect(verdict(() => openPush(SAFE, inside.query, inside.raw))).toBe(WRONG_ACCOUNT('safe'));
    const outside = sealed(message(), 'gh_other');
    expect(verdict(() => openPush(SAFE, outside.query, outside.raw))).toBe(WRONG_ACCOUNT('safe'));
  });
});

describe('wechatTextReply', () => {
  const to = { ToUserName: 'gh_account', FromUserName: 'openid-1' };
  const NOW = 1_800_000_000_999;

  it('answers the sender in plain mode, with CDATA that survives a "]]>" in the text', () => {
    const xml = wechatTextReply(PLAIN, to, 'a ]]> b', NOW);
    expect(xml).toBe(
      '<xml><ToUserName><![CDATA[openid-1]]></ToUserName><FromUserName><![CDATA[gh_account]]></FromUserName>' +
        '<CreateTime>1800000000</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[a ]]]]><![CDATA[> b]]></Content></xml>',
    );
    expect(parseWechatXml(xml)).toMatchObject({ ToUserName: 'openid-1', Content: 'a ]]> b' });
    expect(parseWechatXml(wechatTextReply(PLAIN, {}, 'x', NOW))).toMatchObject({ ToUserName: '', FromUserName: '' });
  });

  it('encrypts and signs the reply in safe mode', () => {
    const envelope = parseWechatXml(wechatTextReply(SAFE, to, 'hello', NOW));
    expect(envelope.TimeStamp).toBe('1800000000');
    expect(envelope.Nonce).toMatch(/^\d+$/);
    expect(envelope.MsgSignature).toBe(wechatSignature('tok', '1800000000', envelope.Nonce, envelope.Encrypt));
    expect(decryptWechatMessage(envelope.Encrypt, KEY, 'wxapp')).toBe(wechatTextReply(PLAIN, to, 'hello', NOW));
  });
});
