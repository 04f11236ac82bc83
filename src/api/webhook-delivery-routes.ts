// HTTP routes of webhook delivery: an endpoint's delivery log and redelivery of its events.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ErrorResponse } from '../http/error-schema.ts';
import { sendErr } from '../http/reply.ts';
import { AttemptListQuery, AttemptListResponse, RedeliverBody, RedeliverResponse, WebhookIdParams } from '../webhooks/delivery-schemas.ts';
import type { DeliveryService } from '../webhooks/delivery-service.ts';

export const webhookDeliveryRoutes =
  (service: DeliveryService): FastifyPluginAsyncTypebox =>
  async (app) => {
    const tags = ['Webhooks'];
    // Coffer's own operations: the SDK has no method for them (its examples call them with client.get / client.post).
    const extension = { 'x-coffer-extension': true };
    app.get(
      '/webhooks/:webhook_id/attempts',
      {
        config: { access: 'read' },
        schema: {
          ...extension,
          tags,
          summary: "List an endpoint's delivery attempts, newest first (Coffer extension)",
          params: WebhookIdParams,
          querystring: AttemptListQuery,
          response: { 200: AttemptListResponse, '4xx': ErrorResponse },
        },
      },
      async (request, reply) => {
        const result = await service.listAttempts({ businessId: request.principal.businessId }, request.params.webhook_id, request.query);
        return result.ok ? result.value : sendErr(reply, result);
      },
    );

    app.post(
      '/webhooks/:webhook_id/redeliver',
      {
        config: { access: 'write' },
        schema: {
          ...extension,
          tags,
          summary: 'Send one event, or every event since a time, to the endpoint again (Coffer extension)',
          params: WebhookIdParams,
          body: RedeliverBody,
          response: { 200: RedeliverResponse, '4xx': ErrorResponse },
        },
      },
      async (request, reply) => {
        const result = await service.redeliver({ businessId: request.principal.businessId }, request.params.webhook_id, request.body);
        return result.ok ? result.value : sendErr(reply, result);
      },
    );
  };
