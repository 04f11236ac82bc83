// Maps every error Fastify or a handler raises to the envelope; nothing internal (stack, SQL) reaches a response.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { HttpError } from './errors.ts';
import { sendError } from './reply.ts';

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
    default:
      return `${field} ${issue.message ?? 'is invalid'}`;
  }
}

/** Router errors, raised before any route or hook runs: answered with the envelope instead of Fastify's own body. */
export function handleFrameworkError(error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  const message =
    error.code === 'FST_ERR_MAX_PARAM_LENGTH'
      ? 'A path parameter (customer_id) is longer than 100 characters'
      : error.code === 'FST_ERR_BAD_URL'
        ? 'The request path has malformed percent-encoding'
        : 'The request path could not be routed';
  sendError(reply, 'INVALID_REQUEST_PARAMETERS', message);
}

export function registerErrorHandling(app: FastifyInstance): void {
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
