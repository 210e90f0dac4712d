import ipaddr from 'ipaddr.js';

/*
 * Addresses as the rest of the risk code compares them. Browsers and phones
 * reach a dual-stack server as IPv4, IPv6 or IPv4-mapped IPv6
 * (`::ffff:203.0.113.7`); all three must compare equal when they are the same
 * client, and an IPv6 client owns a whole /64 (privacy addresses rotate inside
 * it), so per-client decisions are made on that prefix.
 */

/** Bits of an IPv4 address that name its network: a /24, the usual home or office subnet. */
export const IPV4_NETWORK_BITS = 24;
/** Bits of an IPv6 address that name its network: a /64, what one subscriber or LAN is given. */
export const IPV6_NETWORK_BITS = 64;

type Parsed = ipaddr.IPv4 | ipaddr.IPv6;

/**
 * Parses an address, or undefined when it is not one. IPv4-mapped IPv6 becomes
 * IPv4, and only the dotted four-part form counts as IPv4 (never `1` or
 * `0x7f.1`), so two spellings of one address cannot slip past each other.
 */
function parse(ip: string | undefined): Parsed | undefined {
  if (typeof ip !== 'string') return undefined;
  const text = ip.trim();
  if (ipaddr.IPv4.isValidFourPartDecimal(text)) return ipaddr.IPv4.parse(text);
  if (!ipaddr.IPv6.isValid(text)) return undefined;
  const v6 = ipaddr.IPv6.parse(text);
  return v6.isIPv4MappedAddress() ? v6.toIPv4Address() : v6;
}

/** The canonical text of an address (IPv4-mapped IPv6 as IPv4, IPv6 compressed lower case), or undefined. @internal */
export function normalizeIp(ip: string | undefined): string | undefined {
  const parsed = parse(ip);
  if (!parsed) return undefined;
  if (parsed.kind() === 'ipv6') {
    const v6 = parsed as ipaddr.IPv6;
    // The zone (`%eth0`) names an interface of this host, not part of the address.
    return new ipaddr.IPv6(v6.parts).toString();
  }
  return parsed.toString();
}

/**
 * The network an address belongs to, as CIDR text: `203.0.113.0/24` or
 * `2001:db8:1:2::/64`; undefined for something that is not an address.
 */
export function networkOf(ip: string | undefined): string | undefined {
  const parsed = parse(ip);
  if (!parsed) return undefined;
  if (parsed.kind() === 'ipv4') {
    const octets = (parsed as ipaddr.IPv4).octets.slice(0, IPV4_NETWORK_BITS / 8);
    return `${[...octets, 0].join('.')}/${IPV4_NETWORK_BITS}`;
  }
  const parts = (parsed as ipaddr.IPv6).parts.slice(0, IPV6_NETWORK_BITS / 16);
  return `${new ipaddr.IPv6([...parts, 0, 0, 0, 0]).toString()}/${IPV6_NETWORK_BITS}`;
}

/**
 * The key a per-client rate limit should count under: an IPv4 address itself,
 * or the /64 of an IPv6 address. One IPv6 subscriber holds 2^64 addresses, so
 * a limit per address would be no limit at all. Text that is not an address
 * is returned trimmed, so a limiter still counts it (as one client).
 */
export function networkKeyOf(ip: string): string {
  const parsed = parse(ip);
  if (!parsed) return String(ip).trim();
  return parsed.kind() === 'ipv4' ? parsed.toString() : networkOf(ip)!;
}

/** True when both are addresses and the same one (`::ffff:1.2.3.4` equals `1.2.3.4`). @internal */
export function isSameIp(a: string | undefined, b: string | undefined): boolean {
  const left = normalizeIp(a);
  return left !== undefined && left === normalizeIp(b);
}

/** True when both are addresses of one network: the same IPv4 /24 or the same IPv6 /64; never across families. */
export function isSameNetwork(a: string | undefined, b: string | undefined): boolean {
  const left = networkOf(a);
  return left !== undefined && left === networkOf(b);
}
