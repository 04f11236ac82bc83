// One preValidation hook for every route: text in the path, the query string and the body must be well-formed
// UTF-16 (no lone surrogates), and the query string's percent-encoding must decode. Each store would otherwise
// replace what it cannot hold in its own way, so two different idempotency keys could read back identical.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ErrorCode } from './errors.ts';
import { HttpError } from './errors.ts';

type Text = string & { isWellFormed(): boolean; toWellFormed(): string };
/** String.prototype.isWellFormed (Node 20; the ES2024 typings are newer than this project's ES2022 lib). */
export const isWellFormed = (text: string): boolean => (text as Text).isWellFormed();

/** The path to the first string (value or key) that is not well-formed, or null. Iterative: depth costs no stack. */
export function findMalformedText(root: unknown): { path: string[]; isKey: boolean } | null {
  const pending: Array<{ value: unknown; path: string[] }> = [{ value: root, path: [] }];
  while (pending.length > 0) {
    const { value, path } = pending.pop()!;
    if (typeof value === 'string') {
      if (!isWellFormed(value)) return { path, isKey: false };
    } else if (Array.isArray(value)) {
      value.forEach((item, index) => pending.push({ value: item, path: [...path, String(index)] }));
    } else if (typeof value === 'object' && value !== null) {
      for (const [key, item] of Object.entries(value)) {
        if (!isWellFormed(key)) return { path: [...path, (key as Text).toWellFormed()], isKey: true };
        pending.push({ value: item, path: [...path, key] });
      }
    }
  }
  return null;
}

function checkPart(context: 'params' | 'querystring' | 'body', value: unknown, code: ErrorCode): void {
  const found = findMalformedText(value);
  if (!found) return;
  const field = [context, ...found.path].join('.');
  const message = found.isKey
    ? `${field} is a key that is not well-formed UTF-16 text (it holds a lone surrogate)`
    : `${field} is not well-formed UTF-16 text (it holds a lone surrogate: a code unit from \\ud800 to \\udfff without its pair)`;
  throw new HttpError(code, message);
}

/** Fastify's query parser keeps an undecodable component as its raw text ("%ED%A0%80"): refused here instead. */
function checkQueryEncoding(url: string): void {
  const start = url.indexOf('?');
  if (start === -1 || !url.includes('%', start)) return;
  for (const pair of url.slice(start + 1).split('&')) {
    if (!pair.includes('%')) continue;
    const name = pair.split('=', 1)[0];
    try {
      decodeURIComponent(pair.replaceAll('+', ' ').replace('=', ' '));
    } catch {
      let shown = name;
      try {
        shown = decodeURIComponent(name);
      } catch {}
      throw new HttpError('INVALID_REQUEST_PARAMETERS', `querystring.${shown} has malformed percent-encoding (or encodes bytes that are not UTF-8)`);
    }
  }
}

export function checkRequestText(request: FastifyRequest): void {
  checkQueryEncoding(request.url);
  checkPart('params', request.params, 'INVALID_REQUEST_PARAMETERS');
  checkPart('querystring', request.query, 'INVALID_REQUEST_PARAMETERS');
  checkPart('body', request.body, 'INVALID_REQUEST_BODY');
}

export function registerInputIntegrity(app: FastifyInstance): void {
  app.addHook('preValidation', async (request) => checkRequestText(request));
}
