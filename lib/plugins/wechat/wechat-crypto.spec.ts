import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decryptWechatMessage, encryptWechatMessage, isWechatSignature, wechatSignature } from './wechat-crypto';

const KEY = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';

describe('WeChat signatures', () => {
  it('is sha1 of the sorted parts joined, whatever order they come in', () => {
    const expected = createHash('sha1').update(['1700000000', '42', 'token'].sort().join('')).digest('hex');
    expect(wechatSignature('token', '1700000000', '42')).toBe(expected);
    expect(wechatSignature('42', 'token', '1700000000')).toBe(expected);
  });

  it('accepts the signature (any hex case) and refuses others', () => {
    const signature = wechatSignature('token', '1', '2');
    expect(isWechatSignature(signature, 'token', '1', '2')).toBe(true);
    expect(isWechatSignature(signature.toUpperCase(), 'token', '1', '2')).toBe(true);
    expect(isWechatSignature(signature, 'token', '1', '3')).toBe(false);
    for (const bad of [undefined, '', 'zz', signature.slice(1), ['a'], 42])
      expect(isWechatSignature(bad, 'token', '1', '2')).toBe(false);
  });

  it('refuses the signature with anything before or after it', () => {
    const signature = wechatSignature('token', '1', '2');
    // Hex decoding drops a trailing odd digit, and stops at the first non-hex character.
    for (const bad of [`${signature}0`, `${signature}00`, `x${signature}`, `00${signature}`, ` ${signature}`])
      expect(isWechatSignature(bad, 'token', '1', '2'), bad).toBe(false);
  });
});

describe('WeChat safe-mode encryption', () => {
  it('decrypts what it encrypts, for messages of every length around the 32-byte block', () => {
    for (let length = 0; length < 70; length++) {
      const message = `<xml>${'字'.repeat(length)}</xml>`;
      expect(decryptWechatMessage(encryptWechatMessage(message, KEY, 'wxapp'), KEY, 'wxapp')).toBe(message);
    }
  });

  it('refuses a message for another app id, or under another key', () => {
    const encrypted = encryptWechatMessage('<xml/>', KEY, 'wxapp');
    expect(() => decryptWechatMessage(encrypted, KEY, 'wxother')).toThrow(/another app id/);
    expect(() => decryptWechatMessage(encrypted, 'B'.repeat(43), 'wxapp')).toThrow();
    expect(() => decryptWechatMessage('not base64 at all', KEY, 'wxapp')).toThrow();
  });

  it('refuses PKCS#7 padding whose bytes do not all carry the pad length', () => {
    // Built by hand so the padding can be wrong in one byte only.
    const encryptWithPadding = (padding: Buffer) => {
      const key = Buffer.from(`${KEY}=`, 'base64');
      const message = Buffer.from('<xml><Event>SCAN</Event></xml>');
      const length = Buffer.alloc(4);
      length.writeUInt32BE(message.length);
      const plain = Buffer.concat([randomBytes(16), length, message, Buffer.from('wxapp')]);
      const cipher = createCipheriv('aes-256-cbc', key, key.subarray(0, 16)).setAutoPadding(false);
      return Buffer.concat([cipher.update(Buffer.concat([plain, padding])), cipher.final()]).toString('base64');
    };
    const plainLength = 16 + 4 + '<xml><Event>SCAN</Event></xml>'.length + 'wxapp'.length;
    const pad = 32 - (plainLength % 32);
    expect(pad).toBeGreaterThan(2);
    expect(decryptWechatMessage(encryptWithPadding(Buffer.alloc(pad, pad)), KEY, 'wxapp')).toBe(
      '<xml><Event>SCAN</Event></xml>',
    );
    const mismatched = Buffer.alloc(pad, pad);
    mismatched[0] = pad ^ 1;
    expect(() => decryptWechatMessage(encryptWithPadding(mismatched), KEY, 'wxapp')).toThrow(/padding/);
    const zeros = Buffer.alloc(pad, 0);
    zeros[pad - 1] = pad;
    expect(() => decryptWechatMessage(encryptWithPadding(zeros), KEY, 'wxapp')).toThrow(/padding/);
  });

  it('refuses nothing at all, a zero pad byte, and a pad longer than one 32-byte block, as bad padding', () => {
    const key = Buffer.from(`${KEY}=`, 'base64');
    // Encrypts `padded` as it is: it must already be a whole number of 16-byte blocks.
    const encryptRaw = (padded: Buffer) => {
      const cipher = createCipheriv('aes-256-cbc', key, key.subarray(0, 16)).setAutoPadding(false);
      return Buffer.concat([cipher.update(padded), cipher.final()]).toString('base64');
    };
    const header = (length: number) => {
      const field = Buffer.alloc(4);
      field.writeUInt32BE(length);
      return Buffer.concat([randomBytes(16), field]);
    };
    const badPadding = new Error('bad padding');
    expect(() => decryptWechatMessage('', KEY, 'wxapp')).toThrow(badPadding);
    // A whole block of padding is good padding around nothing: refused as too short, not as padding.
    expect(() => decryptWechatMessage(encryptRaw(Buffer.alloc(32, 32)), KEY, 'wxapp')).toThrow(new Error('too short'));
    // Would read as an empty message for the app id of 12 zero bytes, were the zero pad accepted.
    expect(() => decryptWechatMessage(encryptRaw(Buffer.alloc(32)), KEY, '\0'.repeat(12))).toThrow(badPadding);
    // 31 bytes of message and 33 pad bytes: a whole message, were a pad over 32 accepted.
    const message = Buffer.concat([header(6), Buffer.from('<xml/>wxapp')]);
    expect(message.length).toBe(31);
    expect(() =>
      decryptWechatMessage(encryptRaw(Buffer.concat([message, Buffer.alloc(33, 33)])), KEY, 'wxapp'),
    ).toThrow(badPadding);
    expect(decryptWechatMessage(encryptRaw(Buffer.concat([message, Buffer.alloc(1, 1)])), KEY, 'wxapp')).toBe('<xml/>');
  });

  it('refuses a plain text shorter than its header, or a length past its end', () => {
    // The plain text as the sender lays it out, padded correctly, so only its inside is wrong.
    const encryptPlain = (plain: Buffer) => {
      const key = Buffer.from(`${KEY}=`, 'base64');
      const pad = 32 - (plain.length % 32);
      const cipher = createCipheriv('aes-256-cbc', key, key.subarray(0, 16)).setAutoPadding(false);
      return Buffer.concat([cipher.update(Buffer.concat([plain, Buffer.alloc(pad, pad)])), cipher.final()]).toString(
        'base64',
      );
    };
    const withLength = (length: number, rest: string) => {
      const field = Buffer.alloc(4);
      field.writeUInt32BE(length);
      return Buffer.concat([randomBytes(16), field, Buffer.from(rest)]);
    };
    expect(() => decryptWechatMessage(encryptPlain(randomBytes(19)), KEY, 'wxapp')).toThrow(new Error('too short'));
    expect(decryptWechatMessage(encryptPlain(withLength(0, '')), KEY, '')).toBe('');
    expect(decryptWechatMessage(encryptPlain(withLength(6, '<xml/>wxapp')), KEY, 'wxapp')).toBe('<xml/>');
    expect(() => decryptWechatMessage(encryptPlain(withLength(12, '<xml/>wxapp')), KEY, 'wxapp')).toThrow(
      new Error('bad length'),
    );
    expect(() => decryptWechatMessage(encryptPlain(withLength(11, '<xml/>wxapp')), KEY, '')).not.toThrow();
  });
});
