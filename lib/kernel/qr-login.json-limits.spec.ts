import { describe, expect, it } from 'vitest';
import { QrLoginError } from './qr-login.errors';
import { checkJsonLimits, jsonDepthExceeds } from './qr-login.json-limits';

/*
 * The JSON limits exactly at and one past each bound: depth counts the value
 * as level 1 and each leaf as a level; size counts UTF-8 bytes of the JSON.
 */

/** An object nested so that it is exactly `levels` deep, leaf included (`{ "a": 1 }` is 2). */
function nestedObject(levels: number): unknown {
  let value: unknown = 1;
  for (let level = 1; level < levels; level++) value = { a: value };
  return value;
}

/** Arrays nested exactly `levels` deep, with a leaf at the bottom (`[1]` is 2). */
function nestedArray(levels: number): unknown {
  let value: unknown = 'leaf';
  for (let level = 1; level < levels; level++) value = [value];
  return value;
}

/** The refusal's code, or 'ok'. */
function verdict(run: () => void): string {
  try {
    run();
    return 'ok';
  } catch (error) {
    if (error instanceof QrLoginError) return error.code;
    throw error;
  }
}

describe('jsonDepthExceeds', () => {
  it('counts a leaf as level 1 and each object or array around it as one more', () => {
    expect(jsonDepthExceeds(1, 1)).toBe(false);
    expect(jsonDepthExceeds(null, 1)).toBe(false);
    expect(jsonDepthExceeds({}, 1)).toBe(false);
    expect(jsonDepthExceeds({ a: 1 }, 1)).toBe(true);
    expect(jsonDepthExceeds({ a: 1 }, 2)).toBe(false);
    expect(jsonDepthExceeds([[]], 2)).toBe(false);
    expect(jsonDepthExceeds([[1]], 2)).toBe(true);
  });

  it.each([1, 2, 8, 64, 66])('accepts exactly %i levels and refuses one more, as objects and as arrays', (limit) => {
    expect(jsonDepthExceeds(nestedObject(limit), limit)).toBe(false);
    expect(jsonDepthExceeds(nestedObject(limit + 1), limit)).toBe(true);
    expect(jsonDepthExceeds(nestedArray(limit), limit)).toBe(false);
    expect(jsonDepthExceeds(nestedArray(limit + 1), limit)).toBe(true);
  });

  it('finds the deep branch whichever sibling it is', () => {
    const deepLast = { shallow: 1, other: [1, 2], deep: nestedObject(5) };
    const deepFirst = { deep: nestedObject(5), shallow: 1 };
    expect(jsonDepthExceeds(deepLast, 5)).toBe(true);
    expect(jsonDepthExceeds(deepLast, 6)).toBe(false);
    expect(jsonDepthExceeds(deepFirst, 5)).toBe(true);
    expect(jsonDepthExceeds(deepFirst, 6)).toBe(false);
  });

  it('measures a body thousands of levels deep without overflowing the stack', () => {
    expect(jsonDepthExceeds(JSON.parse('['.repeat(100_000) + ']'.repeat(100_000)), 64)).toBe(true);
  });
});

describe('checkJsonLimits', () => {
  const limits = { maxBytes: 20, maxDepth: 3 };

  it('lets absent values through', () => {
    expect(verdict(() => checkJsonLimits('customData', undefined, { maxBytes: 2, maxDepth: 1 }))).toBe('ok');
    expect(verdict(() => checkJsonLimits('customData', null, { maxBytes: 2, maxDepth: 1 }))).toBe('ok');
  });

  it('accepts exactly maxDepth levels and refuses one more with QR_VALIDATION_FAILED naming the field', () => {
    expect(verdict(() => checkJsonLimits('context', nestedObject(3), limits))).toBe('ok');
    let refusal: unknown;
    try {
      checkJsonLimits('context', nestedObject(4), limits);
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(QrLoginError);
    expect(refusal).toMatchObject({ code: 'QR_VALIDATION_FAILED' });
    expect((refusal as Error).message).toContain('"context" is nested deeper than 3 levels');
  });

  it('accepts exactly maxBytes of JSON and refuses one byte more with QR_PAYLOAD_TOO_LARGE', () => {
    // {"k":"…"} is 8 bytes around the text.
    expect(verdict(() => checkJsonLimits('customData', { k: 'x'.repeat(12) }, limits))).toBe('ok');
    expect(verdict(() => checkJsonLimits('customData', { k: 'x'.repeat(13) }, limits))).toBe('QR_PAYLOAD_TOO_LARGE');
  });

  it('counts bytes of UTF-8, not characters', () => {
    // "é" is 2 bytes: 6 of them are 12 bytes, and 8 + 12 = 20.
    expect(verdict(() => checkJsonLimits('customData', { k: 'é'.repeat(6) }, limits))).toBe('ok');
    expect(verdict(() => checkJsonLimits('customData', { k: 'é'.repeat(6) + 'x' }, limits))).toBe(
      'QR_PAYLOAD_TOO_LARGE',
    );
  });

  it('checks depth before size, so a value both too deep and too large is refused as too deep', () => {
    expect(verdict(() => checkJsonLimits('customData', { a: { b: { c: 'x'.repeat(100) } } }, limits))).toBe(
      'QR_VALIDATION_FAILED',
    );
  });
});
