// Sends the error envelope: {code, message, ...details}, with `x-should-retry: false` where a retry cannot help.
import type { FastifyReply } from 'fastify';
import type { Err } from '../shared/result.ts';
import { type ErrorCode, errorStatus, retryAfterSecondsByCode, terminalRetryableCodes } from './errors.ts';

export function sendError(
  reply: FastifyReply,
  code: ErrorCode,
  message: string,
  details: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): FastifyReply {
  reply.code(errorStatus[code]);
  if (terminalRetryableCodes.has(code)) reply.header('x-should-retry', 'false');
  const retryAfterSeconds = retryAfterSecondsByCode[code];
  if (retryAfterSeconds !== undefined) {
    reply.header('retry-after', String(retryAfterSeconds));
    // The official SDK prefers retry-after-ms: a spread of delays keeps refused clients from returning as one herd.
    reply.header('retry-after-ms', String(Math.round(retryAfterSeconds * 1000 * (0.1 + 0.9 * Math.random()))));
  }
  for (const [name, value] of Object.entries(headers)) reply.header(name, value);
  return reply.type('application/json; charset=utf-8').send({ code, message, ...details });
}

export function sendErr(reply: FastifyReply, failure: Err<ErrorCode>): FastifyReply {
  return sendError(reply, failure.code, failure.message, failure.details);
}
