// Sends one webhook attempt: a POST through the shared guarded sender (src/shared/guarded-post.ts: whole-exchange
// timeout, no redirects, a capped response read, kept-alive connections, the SSRF check where the socket connects).
import { guardedPost } from '../shared/guarded-post.ts';

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

function headersOf(request: WebhookRequest): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.customHeaders)) headers[name.toLowerCase()] = value;
  return { ...headers, ...request.signatureHeaders, 'user-agent': webhookUserAgent };
}

/** Posts the body once. Never throws: every way an attempt can go is a WebhookResponse. */
export async function postWebhook(request: WebhookRequest): Promise<WebhookResponse> {
  const response = await guardedPost({
    url: request.url,
    body: request.body,
    headers: headersOf(request),
    timeoutMs: request.timeoutMs,
    allowPrivateUrls: request.allowPrivateUrls,
    responseBytesMax: webhookResponseBytesMax,
    readBody: false,
    signal: request.signal,
  });
  if (response.kind === 'answered') return { kind: 'answered', statusCode: response.statusCode, latencyMs: response.latencyMs };
  return { kind: 'failed', error: response.error.replace(/^the URL /, 'the endpoint URL '), latencyMs: response.latencyMs };
}
