// Parses JSON request bodies with messages that name the problem (position of a syntax error, a forbidden key).
import type { FastifyInstance } from 'fastify';
import { HttpError } from './errors.ts';

/** Keys that could reach an object's prototype once a parsed body is copied or merged. */
function forbiddenKey(key: string, value: unknown): string | null {
  if (key === '__proto__') return '__proto__';
  if (key === 'constructor' && typeof value === 'object' && value !== null && Object.hasOwn(value, 'prototype')) return 'constructor.prototype';
  return null;
}

/**
 * JSON.parse, refusing `__proto__` and `constructor.prototype` keys anywhere (as Fastify's default parser does).
 * The reviver only runs when the text could spell such a key, directly or through a \u escape.
 */
export function parseJsonBody(text: string): unknown {
  if (text.length === 0) throw new HttpError('INVALID_JSON', 'Request body is empty but Content-Type is application/json');
  const suspicious = text.includes('proto') || text.includes('constructor') || text.includes('\\u');
  try {
    return suspicious
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
}

/** Replaces Fastify's application/json parser; the body limit still applies before parsing. */
export function registerJsonBodyParser(app: FastifyInstance): void {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    try {
      done(null, parseJsonBody(body as string));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
}
