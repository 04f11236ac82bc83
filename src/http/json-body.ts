// Parses JSON request bodies with messages that name the problem (position of a syntax error, a forbidden key), and
// refuses what would not survive a round trip: bytes that are not UTF-8, numbers a JavaScript number cannot hold.
import type { FastifyInstance } from 'fastify';
import { HttpError } from './errors.ts';
import { findRoundTripProblem } from './json-scan.ts';

/** Keys that could reach an object's prototype once a parsed body is copied or merged. */
function forbiddenKey(key: string, value: unknown): string | null {
  if (key === '__proto__') return '__proto__';
  if (key === 'constructor' && typeof value === 'object' && value !== null && Object.hasOwn(value, 'prototype')) return 'constructor.prototype';
  return null;
}

const tokenShownLengthMax = 40;

/** 422 naming the field whose number parsing would change (Infinity, lost digits, underflow to 0), or a repeated key. */
function checkRoundTrip(text: string): void {
  const found = findRoundTripProblem(text);
  if (!found) return;
  const field = ['body', ...found.path].join('.');
  const token = found.token.length > tokenShownLengthMax ? `${found.token.slice(0, tokenShownLengthMax)}…` : found.token;
  if (found.reason === 'duplicate_key') {
    throw new HttpError('INVALID_REQUEST_BODY', `${field} has the key ${JSON.stringify(token)} more than once; send each field once`);
  }
  const why =
    found.reason === 'out_of_range'
      ? 'beyond the range of a JSON number Coffer can hold (about ±1.8e308)'
      : `not exactly representable (it would become ${Number(found.token)}); send at most 15 significant digits`;
  throw new HttpError('INVALID_REQUEST_BODY', `${field} is ${token}, a number ${why}`);
}

/**
 * JSON.parse, refusing `__proto__` and `constructor.prototype` keys anywhere (as Fastify's default parser does), then
 * refusing numbers that would not round-trip and repeated keys. The reviver only runs when the text could spell such a key, directly or
 * through a \u escape.
 */
export function parseJsonBody(text: string): unknown {
  if (text.length === 0) throw new HttpError('INVALID_JSON', 'Request body is empty but Content-Type is application/json');
  const suspicious = text.includes('proto') || text.includes('constructor') || text.includes('\\u');
  let parsed: unknown;
  try {
    parsed = suspicious
      ? JSON.parse(text, function (key, value) {
          const forbidden = forbiddenKey(key, value);
          if (forbidden) throw new HttpError('INVALID_JSON', `Request body has a forbidden "${forbidden}" key`);
          return value;
        })
      : JSON.parse(text);
  } catch (error) {
    if (error instanceof HttpError) throw error;
    // V8's message says what and where ("Unexpected token ... in JSON at position 12"); it holds no internals.
    throw new HttpError('INVALID_JSON', `Request body is not valid JSON: ${(error as Error).message}`);
  }
  checkRoundTrip(text);
  return parsed;
}

// fatal: bytes that are not UTF-8 are refused instead of becoming U+FFFD; ignoreBOM keeps a BOM, which JSON.parse refuses.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The body as text; a body that is not UTF-8 (RFC 8259 requires it) is refused rather than silently repaired. */
export function decodeJsonBody(bytes: Buffer): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw new HttpError('INVALID_JSON', 'Request body is not valid JSON: it is not UTF-8 text');
  }
}

/** Replaces Fastify's application/json parser; the body limit still applies before parsing. */
export function registerJsonBodyParser(app: FastifyInstance): void {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) => {
    try {
      done(null, parseJsonBody(decodeJsonBody(body as Buffer)));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
}
