import { createCipheriv, createDecipheriv, createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/*
 * The official account's message security, as WeChat specifies it:
 * - every push is signed: `signature = sha1(sort([token, timestamp, nonce]).join(''))`;
 * - in the safe mode the message is AES-256-CBC encrypted with the 32-byte key
 *   in the EncodingAESKey (IV = its first 16 bytes, PKCS#7 padding to 32-byte
 *   blocks) over `random(16) | length(uint32 BE) | message | appId`, and signed as
 *   `msg_signature = sha1(sort([token, timestamp, nonce, Encrypt]).join(''))`.
 */

/** sha1 of the sorted parts, joined, in hex: WeChat's signature. @internal */
export function wechatSignature(...parts: string[]): string {
  return createHash('sha1')
    .update([...parts].sort().join(''))
    .digest('hex');
}

/** Whether `signature` is WeChat's signature of the parts (constant time). @internal */
export function isWechatSignature(signature: unknown, ...parts: string[]): boolean {
  if (typeof signature !== 'string' || !/^[0-9a-f]{40}$/i.test(signature)) return false;
  return timingSafeEqual(Buffer.from(signature.toLowerCase(), 'hex'), Buffer.from(wechatSignature(...parts), 'hex'));
}

const BLOCK = 32;

function keyOf(encodingAESKey: string): Buffer {
  return Buffer.from(`${encodingAESKey}=`, 'base64');
}

/** Decrypts an `Encrypt` field; throws when the bytes are not a message for `appId`. @internal */
export function decryptWechatMessage(encrypted: string, encodingAESKey: string, appId: string): string {
  const key = keyOf(encodingAESKey);
  const decipher = createDecipheriv('aes-256-cbc', key, key.subarray(0, 16));
  decipher.setAutoPadding(false);
  const padded = Buffer.concat([decipher.update(Buffer.from(encrypted, 'base64')), decipher.final()]);
  const pad = padded[padded.length - 1];
  if (padded.length === 0 || padded.length % 16 !== 0 || pad < 1 || pad > BLOCK || pad > padded.length)
    throw new Error('bad padding');
  // Every padding byte must carry the pad length (PKCS#7); checking only the
  // last one would accept bytes an attacker flipped in the final block.
  let mismatch = 0;
  for (let i = padded.length - pad; i < padded.length; i++) mismatch |= padded[i] ^ pad;
  if (mismatch !== 0) throw new Error('bad padding');
  const plain = padded.subarray(0, padded.length - pad);
  if (plain.length < 20) throw new Error('too short');
  const length = plain.readUInt32BE(16);
  if (20 + length > plain.length) throw new Error('bad length');
  const receivedAppId = plain.subarray(20 + length).toString('utf8');
  if (receivedAppId !== appId) throw new Error('meant for another app id');
  return plain.subarray(20, 20 + length).toString('utf8');
}

/** Encrypts a message as WeChat does (for replies and for tests that play WeChat). @internal */
export function encryptWechatMessage(message: string, encodingAESKey: string, appId: string): string {
  const key = keyOf(encodingAESKey);
  const body = Buffer.from(message, 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(body.length);
  const plain = Buffer.concat([randomBytes(16), length, body, Buffer.from(appId, 'utf8')]);
  const pad = BLOCK - (plain.length % BLOCK);
  const cipher = createCipheriv('aes-256-cbc', key, key.subarray(0, 16));
  cipher.setAutoPadding(false);
  return Buffer.concat([cipher.update(Buffer.concat([plain, Buffer.alloc(pad, pad)])), cipher.final()]).toString(
    'base64',
  );
}
