import { describe, expect, it } from 'vitest';
import { checkPushTimestamp } from './wechat-push.verifier';

/*
 * The push timestamp window exactly at and one second past its bound, on
 * both sides: WeChat stamps pushes in whole seconds, the server judges in ms.
 */

const NOW = 1_800_000_000_000;
const WINDOW_MS = 300_000;

/** The refusal's code, or 'ok'. */
function verdict(timestamp: unknown, now = NOW, windowMs = WINDOW_MS): string {
  try {
    checkPushTimestamp({ timestamp }, now, windowMs);
    return 'ok';
  } catch (error) {
    return (error as { code?: string }).code ?? String(error);
  }
}

describe('checkPushTimestamp', () => {
  it.each<[string, unknown, string]>([
    ['now', String(NOW / 1000), 'ok'],
    ['exactly the window behind', String(NOW / 1000 - 300), 'ok'],
    ['one second more behind', String(NOW / 1000 - 301), 'QR_WECHAT_PUSH_STALE'],
    ['exactly the window ahead', String(NOW / 1000 + 300), 'ok'],
    ['one second more ahead', String(NOW / 1000 + 301), 'QR_WECHAT_PUSH_STALE'],
    ['missing', undefined, 'QR_WECHAT_PUSH_STALE'],
    ['not a number', 'soon', 'QR_WECHAT_PUSH_STALE'],
    ['negative', `-${NOW / 1000}`, 'QR_WECHAT_PUSH_STALE'],
    ['fractional', `${NOW / 1000}.5`, 'QR_WECHAT_PUSH_STALE'],
    ['thirteen digits', String(NOW), 'QR_WECHAT_PUSH_STALE'],
  ])('a timestamp %s → %s', (_what, timestamp, expected) => {
    expect(verdict(timestamp)).toBe(expected);
  });

  it('judges to the millisecond: one ms past the window is stale', () => {
    expect(verdict(String(NOW / 1000), NOW + WINDOW_MS)).toBe('ok');
    expect(verdict(String(NOW / 1000), NOW + WINDOW_MS + 1)).toBe('QR_WECHAT_PUSH_STALE');
    expect(verdict(String(NOW / 1000), NOW - WINDOW_MS - 1)).toBe('QR_WECHAT_PUSH_STALE');
  });

  it('says the window in seconds', () => {
    expect(() => checkPushTimestamp({ timestamp: '1' }, NOW, 120_000)).toThrow(/more than 120 s from now/);
  });
});
