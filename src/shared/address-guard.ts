// Server-side request forgery guard at the address level: which IP addresses an outbound call (a webhook, a payment
// processor) may reach.
import ipaddr from 'ipaddr.js';

/**
 * ipaddr.js ranges an outbound call must never reach: loopback, RFC 1918 and unique-local private space, link-local
 * (which holds cloud metadata services at 169.254.169.254 and fd00:ec2::254), carrier-grade NAT, multicast, reserved
 * and unspecified addresses. Only `unicast` (IPv4) and `unicast`/`global` IPv6 addresses pass.
 */
const publicRanges = new Set(['unicast', 'global']);

/** True when `address` (an IP literal) is loopback, private, link-local, metadata or otherwise not public. */
export function isForbiddenAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return true;
  let parsed = ipaddr.parse(address);
  // An IPv4 address written as IPv6 (::ffff:127.0.0.1) is judged as the IPv4 address it is.
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  if (parsed.kind() === 'ipv6' && /^fd00:ec2::/i.test(address)) return true;
  return !publicRanges.has(parsed.range());
}
