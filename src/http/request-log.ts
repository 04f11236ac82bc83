// One log line per request (method, url, status, time), at a chosen level, instead of Fastify's two info lines.
import { LogController } from 'fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';

export type RequestLogLevel = 'trace' | 'debug' | 'info';

/**
 * Fastify logs 'incoming request' and 'request completed' at info for every request; this controller drops the first
 * and writes the second at `level` with the request's method and url, so that a terminal running at info stays calm
 * with `debug`. Errors, not-found routes and the rest keep Fastify's own lines.
 */
class OneLineRequestLog extends LogController {
  constructor(private readonly level: RequestLogLevel) {
    super({});
  }

  override incomingRequest(): void {}

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    const fields = { req: { method: request.method, url: request.url }, res: reply, responseTime: reply.elapsedTime };
    if (error) reply.log.error({ ...fields, err: error }, 'request errored');
    else reply.log[this.level](fields, 'request completed');
  }
}

export const requestLogController = (level: RequestLogLevel = 'info'): LogController => new OneLineRequestLog(level);
