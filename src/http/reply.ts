// Sends the error envelope: {code, message, ...details}, with `x-should-retry: false` where a retry cannot help.
import type { FastifyReply } from 'fastify';
import type { Err } from '../shared/result.ts';
import { type ErrorCode, errorStatus, terminalRetryableCodes } from './errors.ts';

export function sendError(
  reply: FastifyReply,
  code: ErrorCode,
  message: string,
  details: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): FastifyReply {
  reply.code(errorStatus[code]);
  if (terminalRetryableCodes.has(code)) reply.header('x-should-retry', 'false');
  for (const [name, value] of Object.entries(headers)) reply.header(name, value);
  return reply.type('application/json; charset=utf-8').send({ code, message, ...details });
}

export function sendErr(reply: FastifyReply, failure: Err): FastifyReply {
  return sendError(reply, failure.code, failure.message, failure.details);
}
