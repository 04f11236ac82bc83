// Custom delivery headers of an endpoint: which names are reserved for Coffer, which are sensitive (never read back),
// and how an update merges into what is stored. Names are compared case-insensitively, as HTTP does.
import { type Result, err, ok } from '../shared/result.ts';
import { headersMax } from './endpoint-schemas.ts';
import type { WebhookErrorCode } from './webhook-errors.ts';

export type HeaderMap = Record<string, string>;

/** Headers Coffer sets on every delivery (Standard Webhooks, framing, routing): a custom one would break them. */
export const reservedHeaderNames: ReadonlySet<string> = new Set([
  'webhook-id',
  'webhook-timestamp',
  'webhook-signature',
  'content-type',
  'content-length',
  'content-encoding',
  'host',
  'user-agent',
  'connection',
  'keep-alive',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'expect',
]);

const sensitiveNames: ReadonlySet<string> = new Set(['authorization', 'proxy-authorization', 'cookie']);
/** A name holding one of these parts most likely carries a credential. */
const sensitiveParts = ['auth', 'token', 'secret', 'key', 'password', 'passwd', 'session', 'credential', 'signature', 'cookie'];

/** True for headers whose values are credentials: stored and sent, but never returned by the API. */
export function isSensitiveHeader(name: string): boolean {
  const lower = name.toLowerCase();
  return sensitiveNames.has(lower) || sensitiveParts.some((part) => lower.includes(part));
}

/** The headers as the API shows them: the values of the others, and only the names of the sensitive ones. */
export function redactHeaders(headers: HeaderMap): { headers: HeaderMap; sensitive: string[] } {
  const shown: HeaderMap = {};
  const sensitive: string[] = [];
  for (const [name, value] of Object.entries(headers)) {
    if (isSensitiveHeader(name)) sensitive.push(name);
    else shown[name] = value;
  }
  return { headers: shown, sensitive };
}

const notAllowed = (message: string) => err('WEBHOOK_HEADER_NOT_ALLOWED', message);

/** The headers, or why they cannot be stored: a reserved name, a name given twice (in any case), or too many. */
export function checkHeaders(headers: HeaderMap): Result<HeaderMap, WebhookErrorCode> {
  const seen = new Map<string, string>();
  for (const name of Object.keys(headers)) {
    const lower = name.toLowerCase();
    if (reservedHeaderNames.has(lower)) return notAllowed(`headers.${name} is set by Coffer on every delivery and cannot be a custom header`);
    const earlier = seen.get(lower);
    if (earlier !== undefined) return notAllowed(`headers has both "${earlier}" and "${name}": header names are case-insensitive, send each once`);
    seen.set(lower, name);
  }
  if (seen.size > headersMax) return notAllowed(`an endpoint has at most ${headersMax} custom headers; this would make ${seen.size}`);
  return ok(headers);
}

/**
 * Merges an update into the stored headers: a name (in any case) with a value replaces or adds that header, with
 * null removes it; headers not named are kept. The result is checked as a whole.
 */
export function mergeHeaders(stored: HeaderMap, update: Record<string, string | null>): Result<HeaderMap, WebhookErrorCode> {
  const updateNames = new Map<string, string>();
  for (const name of Object.keys(update)) {
    const earlier = updateNames.get(name.toLowerCase());
    if (earlier !== undefined) return notAllowed(`headers has both "${earlier}" and "${name}": header names are case-insensitive, send each once`);
    updateNames.set(name.toLowerCase(), name);
  }
  const merged: HeaderMap = {};
  for (const [name, value] of Object.entries(stored)) {
    if (!updateNames.has(name.toLowerCase())) merged[name] = value;
  }
  for (const [name, value] of Object.entries(update)) {
    if (value !== null) merged[name] = value;
  }
  return checkHeaders(merged);
}
