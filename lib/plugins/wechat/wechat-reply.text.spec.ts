import { describe, expect, it } from 'vitest';
import { defaultWechatReplyText } from './wechat-reply.text';

/*
 * The default wording of the official account's replies, line by line: the
 * prompt must name the site, the browser and the place before the user
 * confirms anything.
 */

describe('defaultWechatReplyText', () => {
  it('prompts with the site, the browser on its system, the place and address, and the keyword', () => {
    const text = defaultWechatReplyText({
      kind: 'prompt',
      appName: 'Shop',
      browser: 'Chrome 120',
      os: 'Windows 10',
      city: 'Berlin',
      country: 'DE',
      ip: '203.0.113.7',
      answer: 'keyword',
      keyword: 'OK',
      expiresIn: 119.6,
    });
    expect(text).toBe(
      [
        'Log in to Shop?',
        'Requested by Chrome 120 on Windows 10 (Berlin, DE, IP 203.0.113.7).',
        'To confirm, reply OK within 120 s. Any other reply cancels.',
        'If you did not just try to log in, do not confirm.',
      ].join('\n'),
    );
  });

  it('asks for the number with number matching, and says so when nothing is known of the browser', () => {
    const text = defaultWechatReplyText({ kind: 'prompt', answer: 'number', keyword: 'OK', expiresIn: 0.2 });
    expect(text).toBe(
      [
        'Log in to the website?',
        'Requested by an unknown browser.',
        'To confirm, reply with the number that page shows within 1 s. Any other reply cancels.',
        'If you did not just try to log in, do not confirm.',
      ].join('\n'),
    );
  });

  it('names only the parts it knows: a browser alone, a country alone, an address alone', () => {
    const line = (extra: Record<string, string>) =>
      defaultWechatReplyText({ kind: 'prompt', answer: 'keyword', keyword: 'YES', expiresIn: 30, ...extra }).split(
        '\n',
      )[1];
    expect(line({ browser: 'Safari 17' })).toBe('Requested by Safari 17.');
    expect(line({ os: 'iOS 17' })).toBe('Requested by iOS 17.');
    expect(line({ country: 'CN' })).toBe('Requested by an unknown browser (CN).');
    expect(line({ city: 'Shanghai' })).toBe('Requested by an unknown browser (Shanghai).');
    expect(line({ ip: '10.0.0.1' })).toBe('Requested by an unknown browser (IP 10.0.0.1).');
    expect(line({ ip: '10.0.0.1', country: 'CN' })).toBe('Requested by an unknown browser (CN, IP 10.0.0.1).');
  });

  it('words the outcomes with the site, or "the website" without one', () => {
    expect(defaultWechatReplyText({ kind: 'confirmed', appName: 'Shop' })).toBe('You are now logged in to Shop.');
    expect(defaultWechatReplyText({ kind: 'cancelled' })).toBe('The login to the website was cancelled.');
    expect(defaultWechatReplyText({ kind: 'expired', appName: 'Shop' })).toBe(
      'The login request for Shop has expired; scan the code again.',
    );
  });
});
