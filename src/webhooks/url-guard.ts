// Server-side request forgery guard: which addresses a webhook may reach, and which endpoint URLs are acceptable.
import ipaddr from 'ipaddr.js';
import { isForbiddenAddress } from '../shared/address-guard.ts';

export { isForbiddenAddress };

/** Longest endpoint URL accepted. */
export const webhookUrlLengthMax = 2048;

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
