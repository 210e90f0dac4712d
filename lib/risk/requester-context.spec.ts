import { describe, expect, it } from 'vitest';
import { describeRequester, lookupPlace } from './requester-context';
import type { QrLoginGeoLookup } from './requester-geo.interface';

const createdAt = '2026-11-30T10:00:00.000Z';
const chromeOnWindows =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';
const geo: QrLoginGeoLookup = {
  lookup: async (ip) => (ip === '203.0.113.9' ? { country: 'NL', city: 'Amsterdam' } : undefined),
};

describe('describeRequester', () => {
  it('parses the user agent once and marks what the browser could forge', async () => {
    const view = await describeRequester(
      { ip: '203.0.113.9', userAgent: chromeOnWindows, createdAt, appName: 'Example' },
      { geo },
    );
    expect(view).toEqual({
      ip: '203.0.113.9',
      createdAt,
      appName: 'Example',
      userAgent: chromeOnWindows,
      browser: { name: 'Chrome', version: '126.0.0.0' },
      os: { name: 'Windows', version: '10' },
      place: { country: 'NL', city: 'Amsterdam' },
      clientSupplied: ['userAgent', 'browser', 'os'],
    });
  });

  it('has no place without a geo lookup, and marks nothing when no user agent was sent', async () => {
    expect(await describeRequester({ ip: '203.0.113.9', createdAt })).toEqual({
      ip: '203.0.113.9',
      createdAt,
      clientSupplied: [],
    });
  });

  it('uses a place looked up earlier instead of asking again', async () => {
    let asked = 0;
    const counting: QrLoginGeoLookup = { lookup: () => (asked++, { country: 'FR' }) };
    const view = await describeRequester({ ip: '203.0.113.9', createdAt }, { geo: counting, place: { country: 'DE' } });
    expect(view.place).toEqual({ country: 'DE' });
    expect(asked).toBe(0);
  });

  it('marks a curl user agent as client-supplied without inventing a browser', async () => {
    const view = await describeRequester({ createdAt, userAgent: 'curl/8.5.0' });
    expect(view.clientSupplied).toEqual(['userAgent']);
    expect(view).not.toHaveProperty('browser');
  });
});

describe('lookupPlace', () => {
  it('treats a failing or empty lookup as an unknown place', async () => {
    expect(
      await lookupPlace(
        {
          lookup: () => {
            throw new Error('database gone');
          },
        },
        '203.0.113.9',
      ),
    ).toBeUndefined();
    expect(
      await lookupPlace(
        {
          lookup: async () => {
            throw new Error('timeout');
          },
        },
        '203.0.113.9',
      ),
    ).toBeUndefined();
    expect(await lookupPlace({ lookup: () => ({}) }, '203.0.113.9')).toBeUndefined();
    expect(await lookupPlace(geo, undefined)).toBeUndefined();
    expect(await lookupPlace(undefined, '203.0.113.9')).toBeUndefined();
    expect(await lookupPlace(geo, '203.0.113.9')).toEqual({ country: 'NL', city: 'Amsterdam' });
  });
});

describe('describeRequester and lookupPlace, fields left out', () => {
  it('sets no ip, appName or place field it does not know, not even as undefined', async () => {
    expect(await describeRequester({ createdAt }, {})).toStrictEqual({ createdAt, clientSupplied: [] });
  });

  it('takes only a non-empty object from a lookup as a place', async () => {
    for (const answer of ['NL', 42, {}, null]) {
      const odd: QrLoginGeoLookup = { lookup: async () => answer as never };
      expect(await lookupPlace(odd, '203.0.113.9')).toBeUndefined();
    }
    const place = { country: 'NL' };
    const found = await lookupPlace({ lookup: () => place }, '203.0.113.9');
    // A copy: what the lookup keeps cannot be changed through the answer.
    expect(found).toStrictEqual(place);
    expect(found).not.toBe(place);
  });
});
