/**
 * The SSRF guard of build verification: download URLs come from API callers, and the verifier must
 * not become a way to probe the gateway's own network. Addresses are checked after DNS resolution,
 * on the address actually connected to (the lookup below is the one the socket uses), so a name that
 * resolves to a private address — or re-resolves to one later — is refused as well.
 */
import dns from 'node:dns';
import net from 'node:net';

const blockedV4 = new net.BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8], // private
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local (cloud metadata services live here)
  ['172.16.0.0', 12], // private
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // documentation
  ['192.88.99.0', 24], // 6to4 relay anycast (deprecated)
  ['192.168.0.0', 16], // private
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // documentation
  ['203.0.113.0', 24], // documentation
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const) {
  blockedV4.addSubnet(network, prefix, 'ipv4');
}

/**
 * IPv6 that is not global unicast (2000::/3) is never public: unspecified, loopback, unique-local,
 * link-local, site-local (fec0::/10), discard-only (100::/64), multicast… Inside 2000::/3 these are
 * not either; Teredo (2001::/32) tunnels to an address it does not show plainly, so it is refused.
 */
const blockedGlobalV6 = new net.BlockList();
for (const [network, prefix] of [
  ['2001::', 23], // IETF protocol assignments: Teredo, benchmarking, ORCHID…
  ['2001:db8::', 32], // documentation
  ['3fff::', 20], // documentation
] as const) {
  blockedGlobalV6.addSubnet(network, prefix, 'ipv6');
}

/** The 16 bytes of an IPv6 address in any textual form; undefined when it is not one (or has a zone). */
function ipv6Bytes(address: string): number[] | undefined {
  let canonical: string;
  try {
    // WHATWG URL parsing validates and canonicalises: hex groups only, one `::` at most.
    canonical = new URL(`http://[${address}]/`).hostname.slice(1, -1);
  } catch {
    return undefined;
  }
  const [head = '', tail] = canonical.split('::');
  const groupsOf = (part: string) =>
    part === '' ? [] : part.split(':').map((group) => Number.parseInt(group, 16));
  const left = groupsOf(head);
  const right = tail === undefined ? [] : groupsOf(tail);
  const groups = [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
  return groups.flatMap((group) => [group >> 8, group & 0xff]);
}

const v4At = (bytes: number[], offset: number) => bytes.slice(offset, offset + 4).join('.');
const zeros = (bytes: number[], from: number, to: number) =>
  bytes.slice(from, to).every((byte) => byte === 0);

/**
 * The IPv4 address an IPv6 address stands for, where the prefix says it carries one that the packet
 * ends up at: IPv4-mapped (::ffff:0:0/96), IPv4-compatible (::/96), IPv4-translated
 * (::ffff:0:0:0/96), NAT64 (64:ff9b::/96) and 6to4 (2002::/16).
 */
function embeddedIpv4(bytes: number[]): string | undefined {
  if (zeros(bytes, 0, 10) && bytes[10] === 0xff && bytes[11] === 0xff) return v4At(bytes, 12);
  if (zeros(bytes, 0, 12)) return v4At(bytes, 12);
  if (zeros(bytes, 0, 8) && bytes[8] === 0xff && bytes[9] === 0xff && zeros(bytes, 10, 12))
    return v4At(bytes, 12);
  if (bytes[0] === 0x00 && bytes[1] === 0x64 && bytes[2] === 0xff && bytes[3] === 0x9b && zeros(bytes, 4, 12))
    return v4At(bytes, 12);
  if (bytes[0] === 0x20 && bytes[1] === 0x02) return v4At(bytes, 2);
  return undefined;
}

/** True for addresses on the public internet; false for private, loopback, link-local and the like. */
export function isPublicAddress(address: string): boolean {
  const family = net.isIP(address);
  if (family === 4) return !blockedV4.check(address, 'ipv4');
  if (family !== 6) return false;
  const bytes = ipv6Bytes(address);
  if (bytes === undefined) return false;
  const v4 = embeddedIpv4(bytes);
  if (v4 !== undefined) return !blockedV4.check(v4, 'ipv4');
  const globalUnicast = ((bytes[0] as number) & 0xe0) === 0x20;
  return globalUnicast && !blockedGlobalV6.check(address, 'ipv6');
}

export class OutboundRefused extends Error {
  constructor(host: string, address: string) {
    super(`${host} resolves to ${address}, a private, loopback or link-local address`);
    this.name = 'OutboundRefused';
  }
}

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | dns.LookupAddress[],
  family?: number,
) => void;

/** A `lookup` for sockets that refuses non-public answers (every answer must be public). */
export function guardedLookup(allowPrivate: boolean) {
  return (hostname: string, options: dns.LookupOptions, callback: LookupCallback): void => {
    dns.lookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) {
        callback(error, []);
        return;
      }
      const refused = allowPrivate ? undefined : addresses.find((entry) => !isPublicAddress(entry.address));
      if (refused !== undefined) {
        callback(
          Object.assign(new OutboundRefused(hostname, refused.address), { code: 'EREFUSED_PRIVATE' }),
          [],
        );
        return;
      }
      if (options.all) callback(null, addresses);
      else callback(null, addresses[0]?.address ?? '', addresses[0]?.family);
    });
  };
}

/** Sockets skip `lookup` for literal addresses, so URLs naming one are checked before connecting. */
export function refusedLiteralHost(url: URL, allowPrivate: boolean): string | undefined {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (allowPrivate || net.isIP(host) === 0 || isPublicAddress(host)) return undefined;
  return `${host} is a private, loopback or link-local address`;
}
