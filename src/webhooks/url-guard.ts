// Server-side request forgery guard: which addresses a webhook may reach, and which endpoint URLs are acceptable.
import ipaddr from 'ipaddr.js';

/** Longest endpoint URL accepted. */
export const webhookUrlLengthMax = 2048;

/**
 * ipaddr.js ranges a webhook must never reach: loopback, RFC 1918 and unique-local private space, link-local (which
 * holds cloud metadata services at 169.254.169.254 and fd00:ec2::254), carrier-grade NAT, multicast, reserved and
 * unspecified addresses. Only `unicast` (IPv4) and `unicast`/`global` IPv6 addresses pass.
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

export type UrlProblem = { problem: string };

/**
 * Checks an endpoint URL's form: http or https, no credentials, a host, at most webhookUrlLengthMax characters, and no
 * literal forbidden address unless private URLs are allowed. Host names are resolved and checked at delivery time.
 */
export function endpointUrlProblem(text: string, options: { allowPrivate: boolean }): UrlProblem | null {
  if (text.length > webhookUrlLengthMax) return { problem: `url must be at most ${webhookUrlLengthMax} characters` };
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { problem: 'url must be an absolute http or https URL' };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return { problem: `url must use http or https, not ${url.protocol.replace(':', '')}` };
  if (url.username !== '' || url.password !== '') return { problem: 'url must not carry credentials; send them in a custom header instead' };
  if (url.hostname === '') return { problem: 'url must name a host' };
  if (options.allowPrivate) return null;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (ipaddr.isValid(host) && isForbiddenAddress(host)) {
    return { problem: `url points to ${host}, a loopback, private, link-local or metadata address, which webhooks may not reach` };
  }
  if (host === 'localhost' || host.endsWith('.localhost')) return { problem: 'url points to localhost, which webhooks may not reach' };
  return null;
}
