// HTTP routes for webhook endpoint management (the official SDK's `client.webhooks.*`): validate by schema, call one
// service function, map the result.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ErrorResponse } from '../http/error-schema.ts';
import { sendErr } from '../http/reply.ts';
import {
  NoContent,
  WebhookCreateBody,
  WebhookDetails,
  WebhookHeadersResponse,
  WebhookHeadersUpdateBody,
  WebhookIdParams,
  WebhookListQuery,
  WebhookListResponse,
  WebhookSecretResponse,
  WebhookSecretRotateBody,
  WebhookSecretRotateResponse,
  WebhookUpdateBody,
} from '../webhooks/endpoint-schemas.ts';
import type { WebhookEndpointService } from '../webhooks/endpoint-service.ts';

export const webhookRoutes =
  (service: WebhookEndpointService): FastifyPluginAsyncTypebox =>
  async (app) => {
    const tags = ['Webhooks'];
    const params = WebhookIdParams;

    app.post(
      '/webhooks',
      {
        config: { access: 'write' },
        schema: { tags, summary: 'Create a webhook endpoint', body: WebhookCreateBody, response: { 200: WebhookDetails, '4xx': ErrorResponse } },
      },
      async (request, reply) => {
        const result = await service.create(request.principal.businessId, request.body);
        if (!result.ok) return sendErr(reply, result);
        if (result.value.outcome === 'replayed') reply.header('x-idempotent-replay', 'true');
        return result.value.endpoint;
      },
    );

    app.get(
      '/webhooks',
      {
        config: { access: 'read' },
        schema: { tags, summary: 'List webhook endpoints, by cursor', querystring: WebhookListQuery, response: { 200: WebhookListResponse, '4xx': ErrorResponse } },
      },
      async (request, reply) => {
        const { page, skipped } = await service.list(request.principal.businessId, request.query);
        if (skipped.length > 0) {
          request.log.error({ skipped }, 'webhook endpoint rows that cannot be served were left out of a list page');
          reply.header('x-coffer-skipped-records', skipped.join(','));
        }
        return page;
      },
    );

    app.get(
      '/webhooks/:webhook_id',
      { config: { access: 'read' }, schema: { tags, summary: 'Retrieve a webhook endpoint', params, response: { 200: WebhookDetails, '4xx': ErrorResponse } } },
      async (request, reply) => {
        const result = await service.retrieve(request.principal.businessId, request.params.webhook_id);
        return result.ok ? result.value : sendErr(reply, result);
      },
    );

    app.patch(
      '/webhooks/:webhook_id',
      {
        config: { access: 'write' },
        schema: { tags, summary: 'Update a webhook endpoint', params, body: WebhookUpdateBody, response: { 200: WebhookDetails, '4xx': ErrorResponse } },
      },
      async (request, reply) => {
        const result = await service.update(request.principal.businessId, request.params.webhook_id, request.body);
        return result.ok ? result.value : sendErr(reply, result);
      },
    );

    app.delete(
      '/webhooks/:webhook_id',
      { config: { access: 'write' }, schema: { tags, summary: 'Delete a webhook endpoint', params, response: { 204: NoContent, '4xx': ErrorResponse } } },
      async (request, reply) => {
        const result = await service.delete(request.principal.businessId, request.params.webhook_id);
        return result.ok ? reply.code(204).send(null) : sendErr(reply, result);
      },
    );

    app.get(
      '/webhooks/:webhook_id/secret',
      {
        // The signing secret is a credential: a read-only key could forge deliveries with it, so it takes a read-write key.
        config: { access: 'write' },
        schema: { tags, summary: "Retrieve a webhook endpoint's signing secret", params, response: { 200: WebhookSecretResponse, '4xx': ErrorResponse } },
      },
      async (request, reply) => {
        const result = await service.retrieveSecret(request.principal.businessId, request.params.webhook_id);
        return result.ok ? result.value : sendErr(reply, result);
      },
    );

    app.post(
      '/webhooks/:webhook_id/secret/rotate',
      {
        config: { access: 'write' },
        schema: {
          'x-coffer-extension': true,
          tags,
          summary: "Rotate a webhook endpoint's signing secret, with an overlap window (Coffer extension)",
          params,
          body: WebhookSecretRotateBody,
          response: { 200: WebhookSecretRotateResponse, '4xx': ErrorResponse },
        },
        // The body is optional: no body means the default overlap.
        preValidation: async (request) => {
          request.body ??= {};
        },
      },
      async (request, reply) => {
        const result = await service.rotateSecret(request.principal.businessId, request.params.webhook_id, request.body);
        return result.ok ? result.value : sendErr(reply, result);
      },
    );

    app.get(
      '/webhooks/:webhook_id/headers',
      {
        config: { access: 'read' },
        schema: { tags, summary: "Retrieve a webhook endpoint's custom headers (sensitive ones by name only)", params, response: { 200: WebhookHeadersResponse, '4xx': ErrorResponse } },
      },
      async (request, reply) => {
        const result = await service.retrieveHeaders(request.principal.businessId, request.params.webhook_id);
        return result.ok ? result.value : sendErr(reply, result);
      },
    );

    app.patch(
      '/webhooks/:webhook_id/headers',
      {
        config: { access: 'write' },
        schema: {
          tags,
          summary: "Add, update or remove a webhook endpoint's custom headers",
          params,
          body: WebhookHeadersUpdateBody,
          response: { 204: NoContent, '4xx': ErrorResponse },
        },
      },
      async (request, reply) => {
        const result = await service.updateHeaders(request.principal.businessId, request.params.webhook_id, request.body);
        return result.ok ? reply.code(204).send(null) : sendErr(reply, result);
      },
    );
  };
