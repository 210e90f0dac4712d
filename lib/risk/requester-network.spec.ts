import { describe, expect, it } from 'vitest';
import { isSameIp, isSameNetwork, networkKeyOf, networkOf, normalizeIp } from './requester-network';

describe('requester network', () => {
  it.each([
    ['203.0.113.7', '203.0.113.7'],
    ['::ffff:203.0.113.7', '203.0.113.7'],
    ['::FFFF:cb00:7107', '203.0.113.7'],
    ['2001:DB8:0:0:0:0:0:1', '2001:db8::1'],
    ['fe80::1%eth0', 'fe80::1'],
    [' 198.51.100.1 ', '198.51.100.1'],
  ])('normalises %s to %s', (input, expected) => {
    expect(normalizeIp(input)).toBe(expected);
  });

  it.each(['', 'localhost', '1', '0x7f.0.0.1', '300.1.1.1', '1.2.3', 'not an ip', undefined])(
    'refuses %s as an address',
    (input) => {
      expect(normalizeIp(input as string | undefined)).toBeUndefined();
      expect(networkOf(input as string | undefined)).toBeUndefined();
    },
  );

  it('names the /24 of IPv4 and the /64 of IPv6', () => {
    expect(networkOf('203.0.113.77')).toBe('203.0.113.0/24');
    expect(networkOf('::ffff:203.0.113.77')).toBe('203.0.113.0/24');
    expect(networkOf('2001:db8:1:2:aaaa:bbbb:cccc:dddd')).toBe('2001:db8:1:2::/64');
    expect(networkOf('2001:db8::1')).toBe('2001:db8::/64');
  });

  it('keys rate limits per IPv4 address and per IPv6 /64', () => {
    expect(networkKeyOf('203.0.113.7')).toBe('203.0.113.7');
    expect(networkKeyOf('203.0.113.8')).not.toBe(networkKeyOf('203.0.113.7'));
    expect(networkKeyOf('::ffff:203.0.113.7')).toBe('203.0.113.7');
    const a = networkKeyOf('2001:db8:1:2:1111:2222:3333:4444');
    const b = networkKeyOf('2001:db8:1:2:5555:6666:7777:8888');
    expect(a).toBe('2001:db8:1:2::/64');
    expect(b).toBe(a);
    expect(networkKeyOf('2001:db8:1:3::1')).not.toBe(a);
    expect(networkKeyOf('garbage ')).toBe('garbage');
  });

  it('compares addresses and networks across spellings, never across families', () => {
    expect(isSameIp('::ffff:192.0.2.1', '192.0.2.1')).toBe(true);
    expect(isSameIp('192.0.2.1', '192.0.2.2')).toBe(false);
    expect(isSameIp(undefined, undefined)).toBe(false);
    expect(isSameNetwork('192.0.2.1', '192.0.2.254')).toBe(true);
    expect(isSameNetwork('192.0.2.1', '192.0.3.1')).toBe(false);
    expect(isSameNetwork('2001:db8:a:b::1', '2001:db8:a:b:ffff::2')).toBe(true);
    expect(isSameNetwork('2001:db8:a:b::1', '2001:db8:a:c::1')).toBe(false);
    expect(isSameNetwork('192.0.2.1', '::1')).toBe(false);
    expect(isSameNetwork(undefined, undefined)).toBe(false);
  });
});
