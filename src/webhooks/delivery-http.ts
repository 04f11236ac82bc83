// Sends one webhook attempt: a POST over node:http/https with a whole-exchange timeout, no redirects, a capped response
// read, and the SSRF check on the address the socket actually connects to.
import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { isForbiddenAddress } from './url-guard.ts';

export const webhookUserAgent = 'Coffer-Webhooks/1';
/** The response body is read up to this many bytes, then the connection is dropped; it is never stored. */
export const webhookResponseBytesMax = 16_384;

export interface WebhookRequest {
  url: string;
  body: string;
  /** The endpoint's custom headers, then the signature headers; Coffer's own headers win over custom ones. */
  customHeaders: Readonly<Record<string, string>>;
  signatureHeaders: Readonly<Record<string, string>>;
  /** The whole exchange: lookup, connect, send and the response's headers and (capped) body. */
  timeoutMs: number;
  allowPrivateUrls: boolean;
  /** Aborts the attempt (the job runtime's handler timeout). */
  signal?: AbortSignal;
}

export type WebhookResponse =
  /** The receiver answered: any status, 3xx included (redirects are not followed). */
  | { kind: 'answered'; statusCode: number; latencyMs: number }
  /** No answer: refused address, DNS failure, connection error, timeout. `error` says which, for the attempt log. */
  | { kind: 'failed'; error: string; latencyMs: number };

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | dns.LookupAddress[], family?: number) => void;

class RefusedAddressError extends Error {
  readonly code = 'ECOFFERREFUSED';
}

const refusal = (host: string, address: string) =>
  `refused: ${host} resolves to ${address}, a loopback, private, link-local or metadata address, which webhooks may not reach`;

/**
 * dns.lookup, then every resolved address must be public (unless private URLs are allowed): the check happens where the
 * socket connects, so a DNS answer changed after the endpoint was created cannot reach private space.
 */
function guardedLookup(allowPrivate: boolean) {
  return (hostname: string, options: dns.LookupOptions, callback: LookupCallback): void => {
    dns.lookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, []);
      const list = addresses as dns.LookupAddress[];
      if (list.length === 0) return callback(Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }), []);
      const forbidden = allowPrivate ? undefined : list.find((entry) => isForbiddenAddress(entry.address));
      if (forbidden) return callback(new RefusedAddressError(refusal(hostname, forbidden.address)), []);
      if (options.all) return callback(null, list);
      callback(null, list[0].address, list[0].family);
    });
  };
}

function headersOf(request: WebhookRequest): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.customHeaders)) headers[name.toLowerCase()] = value;
  return {
    ...headers,
    ...request.signatureHeaders,
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(request.body)),
    'user-agent': webhookUserAgent,
  };
}

function describeError(error: unknown, timeoutMs: number): string {
  if (error instanceof RefusedAddressError) return error.message;
  const code = (error as NodeJS.ErrnoException)?.code;
  const message = error instanceof Error ? error.message : String(error);
  if (code === 'ETIMEDOUTCOFFER') return `timed out after ${timeoutMs} ms`;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `DNS lookup failed: ${message}`;
  if (code === 'ECONNREFUSED') return `connection refused: ${message}`;
  if (code === 'ECONNRESET') return `connection reset: ${message}`;
  return code ? `${code}: ${message}` : message;
}

/**
 * Kept-alive connections, one pool per transport and private-address rule: the address was checked when the socket
 * connected (guardedLookup), so reusing it reaches the same checked address; idle sockets are unref'd by the agent and
 * never keep the process alive. A new connection per delivery cost a TCP handshake on both sides each time.
 */
const agents = new Map<string, http.Agent>();
function agentFor(transport: typeof http | typeof https, allowPrivate: boolean): http.Agent {
  const key = `${transport === https ? 'https' : 'http'}:${allowPrivate}`;
  let agent = agents.get(key);
  if (!agent) {
    const options = { keepAlive: true, maxSockets: 32, maxFreeSockets: 8, lookup: guardedLookup(allowPrivate) as unknown as net.LookupFunction };
    agent = transport === https ? new https.Agent(options) : new http.Agent(options);
    agents.set(key, agent);
  }
  return agent;
}

/** Posts the body once. Never throws: every way an attempt can go is a WebhookResponse. */
export function postWebhook(request: WebhookRequest): Promise<WebhookResponse> {
  const startedMs = performance.now();
  const elapsed = () => Math.round(performance.now() - startedMs);
  let url: URL;
  try {
    url = new URL(request.url);
  } catch {
    return Promise.resolve({ kind: 'failed', error: 'the endpoint URL does not parse', latencyMs: 0 });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return Promise.resolve({ kind: 'failed', error: `the endpoint URL uses ${url.protocol}, not http or https`, latencyMs: 0 });
  }
  const host = url.hostname.replace(/^\[|\]$/g, '');
  // An IP literal is connected to without a lookup, so it is checked here.
  if (net.isIP(host) !== 0 && !request.allowPrivateUrls && isForbiddenAddress(host)) {
    return Promise.resolve({ kind: 'failed', error: refusal(host, host), latencyMs: 0 });
  }
  const transport = url.protocol === 'https:' ? https : http;
  return new Promise((resolve) => {
    let settled = false;
    /** `reusable`: the exchange completed cleanly, so its connection goes back to the pool. */
    const finish = (result: WebhookResponse, reusable = false) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      request.signal?.removeEventListener('abort', onAbort);
      if (!reusable) outgoing.destroy();
      resolve(result);
    };
    const fail = (error: unknown) => finish({ kind: 'failed', error: describeError(error, request.timeoutMs), latencyMs: elapsed() });
    const outgoing = transport.request(url, {
      method: 'POST',
      headers: headersOf(request),
      agent: agentFor(transport, request.allowPrivateUrls),
    });
    const timer = setTimeout(() => fail(Object.assign(new Error('timeout'), { code: 'ETIMEDOUTCOFFER' })), request.timeoutMs);
    const onAbort = () => fail(new Error(`aborted: ${String(request.signal?.reason ?? 'the job was stopped')}`));
    if (request.signal?.aborted) onAbort();
    request.signal?.addEventListener('abort', onAbort, { once: true });
    outgoing.on('error', fail);
    outgoing.on('response', (response) => {
      const statusCode = response.statusCode ?? 0;
      let bytes = 0;
      const answered = (reusable = false) => finish({ kind: 'answered', statusCode, latencyMs: elapsed() }, reusable);
      // The body is drained (up to the cap) so that the exchange is complete, then dropped unread.
      response.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        if (bytes >= webhookResponseBytesMax) answered();
      });
      response.on('end', () => answered(true));
      response.on('error', () => answered());
      response.on('aborted', () => answered());
    });
    outgoing.end(request.body);
  });
}
