import { describe, expect, it } from 'vitest';
import { parseUserAgent } from './requester-agent.parser';

// Real user-agent strings, as these browsers send them.
const table = [
  {
    who: 'Chrome on Windows',
    ua: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36',
    browser: 'Chrome',
    version: '126.0.0.0',
    os: 'Windows',
    deviceType: undefined,
  },
  {
    who: 'Safari on iPhone',
    ua: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
    browser: 'Mobile Safari',
    version: '17.5',
    os: 'iOS',
    deviceType: 'mobile',
    model: 'iPhone',
  },
  {
    who: 'Firefox on Linux',
    ua: 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0',
    browser: 'Firefox',
    version: '128.0',
    os: 'Linux',
    deviceType: undefined,
  },
  {
    who: 'Edge on Windows',
    ua: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 Edg/126.0.2592.87',
    browser: 'Edge',
    version: '126.0.2592.87',
    os: 'Windows',
    deviceType: undefined,
  },
  {
    who: 'Samsung Internet on Android',
    ua: 'Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/25.0 Chrome/121.0.0.0 Mobile Safari/537.36',
    browser: 'Samsung Internet',
    version: '25.0',
    os: 'Android',
    deviceType: 'mobile',
    vendor: 'Samsung',
    model: 'SM-S918B',
  },
  {
    who: "WeChat's in-app browser on Android",
    ua: 'Mozilla/5.0 (Linux; Android 13; V2227A Build/TP1A.220624.014; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/116.0.0.0 Mobile Safari/537.36 XWEB/1160065 MMWEBSDK/20231202 MMWEBID/2247 MicroMessenger/8.0.47.2560(0x28002F35) WeChat/arm64 Weixin NetType/WIFI Language/zh_CN ABI/arm64',
    browser: 'WeChat',
    version: '8.0.47.2560',
    os: 'Android',
    deviceType: 'mobile',
  },
  {
    who: "WeChat's in-app browser on iPhone",
    ua: 'Mozilla/5.0 (iPhone; CPU iPhone OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.40(0x1800282a) NetType/WIFI Language/zh_CN',
    browser: 'WeChat',
    version: '8.0.40',
    os: 'iOS',
    deviceType: 'mobile',
  },
  {
    who: 'Safari on iPad',
    ua: 'Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
    browser: 'Mobile Safari',
    version: '17.5',
    os: 'iOS',
    deviceType: 'tablet',
  },
] as const;

describe('parseUserAgent', () => {
  it.each(table)('recognises $who', (row) => {
    const info = parseUserAgent(row.ua);
    expect(info.browser?.name).toBe(row.browser);
    expect(info.browser?.version).toBe(row.version);
    expect(info.os?.name).toBe(row.os);
    expect(info.device?.type).toBe(row.deviceType);
    if ('vendor' in row) expect(info.device?.vendor).toBe(row.vendor);
    if ('model' in row) expect(info.device?.model).toBe(row.model);
  });

  it.each([
    ['curl', 'curl/8.5.0'],
    ['Googlebot', 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)'],
  ])('names no browser, system or device for %s', (_who, ua) => {
    expect(parseUserAgent(ua)).toEqual({});
  });

  it('answers nothing for an absent or blank header, and leaves out empty fields', () => {
    expect(parseUserAgent(undefined)).toEqual({});
    expect(parseUserAgent('   ')).toEqual({});
    const firefox = parseUserAgent('Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0');
    expect(firefox.os).toEqual({ name: 'Linux' });
    expect(firefox).not.toHaveProperty('device');
  });

  it('names only what the header tells, with no field left undefined', () => {
    expect(parseUserAgent('Mozilla/5.0 (Windows NT 10.0; Win64; x64)')).toStrictEqual({
      os: { name: 'Windows', version: '10' },
    });
    expect(parseUserAgent('Chrome/120.0.0.0')).toStrictEqual({ browser: { name: 'Chrome', version: '120.0.0.0' } });
    expect(parseUserAgent('curl/8.4.0')).toStrictEqual({});
  });

  it('parses only the first 512 characters of a padded header', () => {
    const padded = `curl/8.5.0 ${'x'.repeat(600)} Chrome/126.0.0.0`;
    expect(parseUserAgent(padded).browser).toBeUndefined();
  });
});
