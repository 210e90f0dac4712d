import { describe, expect, it } from 'vitest';
import { isQrCodeId, qrcodeIdFromPayload, readScannedCode } from '../../client/app/index.mjs';

const ID = 'Ab3_-Zx9Qw8Er7Ty6Ui5Op4As3D';

describe('qrcodeIdFromPayload', () => {
  it.each([
    ['the bare id', ID],
    ['the bare id with spaces around', `  ${ID}\n`],
    ['the default payload URL', `https://example.com/phone?code=${ID}`],
    ['another parameter name, among others', `https://example.com/login?lang=en&qrcodeId=${ID}&x=1`],
    ['a parameter of any name', `https://example.com/?ticketless=1&k=${ID}`],
    ['a fragment parameter', `https://example.com/app#code=${ID}`],
    ['a percent-encoded value', `https://example.com/phone?code=${ID.replace('_', '%5F')}`],
    ['a path segment of an app link', `myapp://qr-login/${ID}`],
    ['a path segment before a query', `https://example.com/q/${ID}/?utm=1`],
  ])('reads %s', (_, payload) => {
    expect(qrcodeIdFromPayload(payload)).toBe(ID);
  });

  it('prefers the parameter that names the code over other id-shaped values', () => {
    const other = 'Zz3_-Zx9Qw8Er7Ty6Ui5Op4As3D';
    expect(qrcodeIdFromPayload(`https://example.com/${other}?code=${ID}`)).toBe(ID);
    expect(qrcodeIdFromPayload(`https://example.com/?state=${other}&code=${ID}`)).toBe(ID);
  });

  it.each([
    ['text that is no URL', `hello ${ID} world`],
    ['an id one character short', ID.slice(1)],
    ['an id with a character outside base64url', `${ID.slice(1)}+`],
    ['a URL without an id', 'https://example.com/phone?code=short'],
    ['nothing', ''],
  ])('finds nothing in %s', (_, payload) => {
    expect(qrcodeIdFromPayload(payload)).toBeUndefined();
  });

  it('tells ids by their shape', () => {
    expect(isQrCodeId(ID)).toBe(true);
    expect(isQrCodeId(`${ID}x`)).toBe(false);
  });
});

describe('readScannedCode', () => {
  it('reads a QR payload as a qrcodeId and a typed code as a user code, as typed', () => {
    expect(readScannedCode(`https://example.com/phone?code=${ID}`)).toEqual({ qrcodeId: ID });
    expect(readScannedCode(' wdjb-mjht ')).toEqual({ userCode: 'wdjb-mjht' });
    expect(readScannedCode('K7QM 4XPD')).toEqual({ userCode: 'K7QM 4XPD' });
  });

  it('refuses what can be neither', () => {
    expect(readScannedCode('ab-c')).toBeUndefined();
    expect(readScannedCode('https://example.com/nothing-here')).toBeUndefined();
    expect(readScannedCode('not a code at all!')).toBeUndefined();
  });
});
