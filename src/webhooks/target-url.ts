import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { ApiError } from '../platform/errors';

// SSRF protection: a tenant must not be able to make the gateway POST to its own network. In production,
// targets whose address is loopback, private, link-local (cloud metadata lives there), CGNAT, multicast or
// otherwise reserved are refused, both when the subscription is saved and when each delivery connects (the
// name is resolved again then, so a DNS change after validation cannot slip through).

const BLOCKED = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT (also Alibaba's metadata address)
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local: 169.254.169.254 is the cloud metadata service
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const) {
  BLOCKED.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7], // unique local (AWS's IPv6 metadata address fd00:ec2::254 is here)
  ['fe80::', 10], // link-local
  ['ff00::', 8], // multicast
  ['64:ff9b::', 96], // NAT64 embeds IPv4 addresses
  ['2001:db8::', 32],
] as const) {
  BLOCKED.addSubnet(net, prefix, 'ipv6');
}

/** Whether the gateway may connect to this address in production. */
export function isBlockedAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return BLOCKED.check(address, 'ipv4');
  if (family === 6) {
    // An IPv4-mapped address (::ffff:127.0.0.1) is the IPv4 address.
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
    if (mapped) return BLOCKED.check(mapped[1], 'ipv4');
    return BLOCKED.check(address, 'ipv6');
  }
  return true;
}

function refused(message: string): ApiError {
  return new ApiError('invalid_target_url', message, { field: 'url' });
}

/** The URL's host as an address or name ([::1] → ::1). */
export function hostOf(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1');
}

/**
 * Checks a subscription's URL: a valid absolute https URL without credentials, and, unless private targets
 * are allowed, not one whose host is or resolves to a refused address. A name that does not resolve now is
 * accepted (its DNS may come later); each delivery checks the address it connects to anyway.
 */
export async function validateTargetUrl(raw: unknown, opts: { allowPrivateTargets: boolean }): Promise<string> {
  if (typeof raw !== 'string' || raw.length === 0) throw refused('url is required: an https URL');
  if (raw.length > 2048) throw refused('url must be at most 2048 characters');
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw refused('url is not a valid URL');
  }
  if (url.protocol !== 'https:') throw refused('url must use https');
  if (!url.hostname) throw refused('url has no host');
  if (url.username || url.password) throw refused('url must not contain credentials');
  if (opts.allowPrivateTargets) return url.toString();
  const reason = await privateTargetReason(url);
  if (reason) throw refused(`url ${reason}`);
  return url.toString();
}

/**
 * Why the gateway must not connect to this URL's host (it is, or resolves to, a refused address), or null.
 * Also for other URLs a tenant gives the gateway to reach (a call's media stream_url).
 */
export async function privateTargetReason(url: URL): Promise<string | null> {
  const host = hostOf(url);
  if (isIP(host)) return isBlockedAddress(host) ? 'points to a private, loopback, link-local or reserved address' : null;
  if (host === 'localhost' || host.endsWith('.localhost')) return 'points to the gateway’s own host';
  const addresses = await resolveQuickly(host);
  return addresses.some(isBlockedAddress) ? 'resolves to a private, loopback, link-local or reserved address' : null;
}

async function resolveQuickly(host: string): Promise<string[]> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string[]>((resolve) => (timer = setTimeout(() => resolve([]), 2000)));
  const lookedUp = lookup(host, { all: true, verbatim: true })
    .then((found) => found.map((a) => a.address))
    .catch(() => [] as string[]);
  try {
    return await Promise.race([lookedUp, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
