// Maps every error Fastify or a handler raises to the envelope; nothing internal (stack, SQL) reaches a response.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Duplex } from 'node:stream';
import { type ErrorCode, HttpError } from './errors.ts';
import { sendError } from './reply.ts';
import { rawErrorResponse, registerTransportErrors } from './transport-errors.ts';

interface ValidationIssue {
  instancePath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
}

/** Names the field at fault: "body.amount must be integer", "body has unknown field \"foo\"". */
export function describeValidation(context: string, issue: ValidationIssue): string {
  const field = [context, ...issue.instancePath.split('/').filter(Boolean)].join('.');
  switch (issue.keyword) {
    case 'required':
      return `${context}.${String(issue.params.missingProperty)} is required`;
    case 'additionalProperties':
      return `${field} has unknown field "${String(issue.params.additionalProperty)}"`;
    case 'type':
      return `${field} must be ${String(issue.params.type)}`;
    case 'pattern':
      return `${field} has an invalid format or characters`;
    case 'anyOf':
      return `${field} has an invalid value`;
    case 'const':
      return `${field} must be ${JSON.stringify(issue.params.allowedValue)}`;
    case 'format':
      return issue.params.format === 'date-time'
        ? `${field} must be an RFC 3339 date-time with a time zone that Coffer can hold (years 0000 to 9999 UTC, at most millisecond precision, no leap second), such as 2025-03-01T10:00:00Z`
        : `${field} must match format "${String(issue.params.format)}"`;
    default:
      return `${field} ${issue.message ?? 'is invalid'}`;
  }
}

/** Router errors, raised before any route or hook runs: answered with the envelope instead of Fastify's own body. */
export function handleFrameworkError(error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  const message =
    error.code === 'FST_ERR_MAX_PARAM_LENGTH'
      ? 'A path parameter (customer_id, webhook_id) is longer than 100 characters'
      : error.code === 'FST_ERR_BAD_URL'
        ? 'The request path has malformed percent-encoding'
        : 'The request path could not be routed';
  sendError(reply, 'INVALID_REQUEST_PARAMETERS', message);
}

/**
 * Errors Node's HTTP parser raises before Fastify sees a request (garbage request line, bad Content-Length or
 * chunking, headers too large, a request that took too long): answered with the envelope, then the socket closes.
 */
export function handleClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [reason, code, message]: [string, ErrorCode, string] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? ['Request Header Fields Too Large', 'HEADERS_TOO_LARGE', 'The request headers are too large']
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? ['Request Timeout', 'REQUEST_TIMEOUT', 'The request was not received in time']
        : ['Bad Request', 'MALFORMED_HTTP_REQUEST', 'The request is not valid HTTP/1.1 (request line, headers or body framing)'];
  if (socket.writable) socket.write(rawErrorResponse(reason, code, message));
  socket.destroy();
}

export function registerErrorHandling(app: FastifyInstance): void {
  registerTransportErrors(app);
  app.setErrorHandler((error: FastifyError & { validation?: ValidationIssue[] }, request, reply) => {
    if (error instanceof HttpError) return sendError(reply, error.code, error.message, {}, error.headers);
    if (error.validation && error.validation.length > 0) {
      const context = error.validationContext ?? 'request';
      // For a union (anyOf) Ajv reports each branch first; the most specific issue is the first one.
      const message = describeValidation(context, error.validation[0]);
      return sendError(reply, context === 'body' ? 'INVALID_REQUEST_BODY' : 'INVALID_REQUEST_PARAMETERS', message);
    }
    switch (error.code) {
      case 'FST_ERR_CTP_BODY_TOO_LARGE':
        return sendError(reply, 'PAYLOAD_TOO_LARGE', `Request body is larger than ${app.initialConfig.bodyLimit} bytes`);
      case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
        return sendError(reply, 'UNSUPPORTED_MEDIA_TYPE', 'Content-Type must be application/json');
      case 'FST_ERR_CTP_EMPTY_JSON_BODY':
        return sendError(reply, 'INVALID_JSON', 'Request body is empty but Content-Type is application/json');
      case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
        return sendError(reply, 'INVALID_JSON', 'Content-Length does not match the body');
    }
    if (error.statusCode === 400 && (error.name === 'SyntaxError' || error.code === 'FST_ERR_CTP_INVALID_JSON_BODY')) {
      return sendError(reply, 'INVALID_JSON', 'Request body is not valid JSON');
    }
    if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
      request.log.info({ err: error }, 'client error');
      return sendError(reply, 'INVALID_REQUEST_BODY', 'The request could not be processed');
    }
    request.log.error({ err: error }, 'unhandled error');
    return sendError(reply, 'INTERNAL_SERVER_ERROR', 'Internal server error');
  });

  app.setNotFoundHandler((request, reply) =>
    sendError(reply, 'NOT_FOUND', `Route ${request.method} ${request.url.split('?')[0]} not found`),
  );
}
