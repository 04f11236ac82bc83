// Sends one outbound POST (a webhook attempt, a payment processor call) over node:http/https: a whole-exchange timeout,
// no redirects, a capped response read, kept-alive connections, and the SSRF check on the address the socket connects to.
import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { isForbiddenAddress } from './address-guard.ts';

export interface GuardedPostRequest {
  url: string;
  body: string;
  /** Sent as given (names lower-cased by the caller if it cares); content-type and content-length are set here. */
  headers: Readonly<Record<string, string>>;
  /** The whole exchange: lookup, connect, send and the response's headers and (capped) body. */
  timeoutMs: number;
  /** Loopback, private, link-local and metadata addresses may be reached (local development, tests). */
  allowPrivateUrls: boolean;
  /** The response body is read up to this many bytes; beyond it the connection is dropped and `body` is null. */
  responseBytesMax: number;
  /** Whether the caller wants the response body (a webhook attempt only drains it). */
  readBody: boolean;
  /** Aborts the exchange (a job's handler timeout, a caller giving up). */
  signal?: AbortSignal;
}

export type GuardedPostResponse =
  /** The receiver answered: any status, 3xx included (redirects are not followed). `body` is null if not read or over the cap. */
  | { kind: 'answered'; statusCode: number; body: string | null; latencyMs: number }
  /**
   * No (complete) answer: refused address, DNS failure, connection error, timeout, abort. `connected` says whether a
   * socket to the receiver was open, that is whether the request may have reached it (a caller that moves money must
   * then treat the outcome as unknown).
   */
  | { kind: 'failed'; error: string; latencyMs: number; connected: boolean; timedOut: boolean };

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | dns.LookupAddress[], family?: number) => void;

class RefusedAddressError extends Error {
  readonly code = 'ECOFFERREFUSED';
}

export const refusal = (host: string, address: string) =>
  `refused: ${host} resolves to ${address}, a loopback, private, link-local or metadata address, which outbound calls may not reach`;

/**
 * dns.lookup, then every resolved address must be public (unless private URLs are allowed): the check happens where the
 * socket connects, so a DNS answer changed after the URL was accepted cannot reach private space.
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
 * never keep the process alive. A new connection per call cost a TCP handshake on both sides each time.
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

const failedAtOnce = (error: string): Promise<GuardedPostResponse> =>
  Promise.resolve({ kind: 'failed', error, latencyMs: 0, connected: false, timedOut: false });

/** Posts the body once. Never throws: every way the exchange can go is a GuardedPostResponse. */
export function guardedPost(request: GuardedPostRequest): Promise<GuardedPostResponse> {
  const startedMs = performance.now();
  const elapsed = () => Math.round(performance.now() - startedMs);
  let url: URL;
  try {
    url = new URL(request.url);
  } catch {
    return failedAtOnce('the URL does not parse');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return failedAtOnce(`the URL uses ${url.protocol}, not http or https`);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  // An IP literal is connected to without a lookup, so it is checked here.
  if (net.isIP(host) !== 0 && !request.allowPrivateUrls && isForbiddenAddress(host)) return failedAtOnce(refusal(host, host));
  const transport = url.protocol === 'https:' ? https : http;
  return new Promise((resolve) => {
    let settled = false;
    let connected = false;
    /** `reusable`: the exchange completed cleanly, so its connection goes back to the pool. */
    const finish = (result: GuardedPostResponse, reusable = false) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      request.signal?.removeEventListener('abort', onAbort);
      if (!reusable) outgoing.destroy();
      resolve(result);
    };
    const fail = (error: unknown, timedOut = false) =>
      finish({ kind: 'failed', error: describeError(error, request.timeoutMs), latencyMs: elapsed(), connected, timedOut });
    const outgoing = transport.request(url, {
      method: 'POST',
      headers: { ...request.headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(request.body)) },
      agent: agentFor(transport, request.allowPrivateUrls),
    });
    outgoing.on('socket', (socket) => {
      // A kept-alive socket is connected already; a new one connects (or fails) later.
      if (!socket.connecting) connected = true;
      else socket.once(transport === https ? 'secureConnect' : 'connect', () => (connected = true));
    });
    const timer = setTimeout(() => fail(Object.assign(new Error('timeout'), { code: 'ETIMEDOUTCOFFER' }), true), request.timeoutMs);
    const onAbort = () => fail(new Error(`aborted: ${String(request.signal?.reason ?? 'the caller gave up')}`));
    if (request.signal?.aborted) onAbort();
    request.signal?.addEventListener('abort', onAbort, { once: true });
    outgoing.on('error', (error) => fail(error));
    outgoing.on('response', (response) => {
      const statusCode = response.statusCode ?? 0;
      const chunks: Buffer[] = [];
      let bytes = 0;
      const answered = (body: string | null, reusable = false) => finish({ kind: 'answered', statusCode, body, latencyMs: elapsed() }, reusable);
      // The body is drained (up to the cap) so that the exchange is complete; kept only when the caller reads it.
      response.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        if (request.readBody) chunks.push(chunk);
        if (bytes >= request.responseBytesMax) answered(null);
      });
      response.on('end', () => answered(request.readBody ? Buffer.concat(chunks).toString('utf8') : null, true));
      response.on('error', () => answered(null));
      response.on('aborted', () => answered(null));
    });
    outgoing.end(request.body);
  });
}
