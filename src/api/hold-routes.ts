// HTTP routes of holds (Coffer extensions): place one on a wallet, capture it, release it, read one, list a customer's.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { HoldCaptureBody, HoldCreateBody, HoldIdParams, HoldListQuery, HoldListResponse, Hold, EmptyBody } from '../holds/hold-schemas.ts';
import type { HoldService } from '../holds/hold-service.ts';
import { ErrorResponse } from '../http/error-schema.ts';
import { sendErr } from '../http/reply.ts';
import { CustomerIdParams, pageSizeDefault } from '../ledger/ledger-schemas.ts';

export const holdRoutes =
  (service: HoldService): FastifyPluginAsyncTypebox =>
  async (app) => {
    const tags = ['Holds'];
    const extension = { 'x-coffer-extension': true };

    app.post(
      '/customers/:customer_id/wallets/holds',
      {
        config: { access: 'write' },
        schema: {
          ...extension,
          tags,
          summary: "Reserve part of a wallet's available balance until it is captured, released or expires (Coffer extension)",
          params: CustomerIdParams,
          body: HoldCreateBody,
          response: { 200: Hold, '4xx': ErrorResponse },
        },
      },
      async (request, reply) => {
        const body = request.body;
        const result = await service.place({
          businessId: request.principal.businessId,
          customerId: request.params.customer_id,
          currency: body.currency,
          amount: body.amount,
          reason: body.reason ?? null,
          expiresAt: body.expires_at ?? null,
          idempotency: { scope: 'client', key: body.idempotency_key },
        });
        if (!result.ok) return sendErr(reply, result);
        if (result.value.replayed) reply.header('x-idempotent-replay', 'true');
        return result.value.hold;
      },
    );

    app.get(
      '/customers/:customer_id/wallets/holds',
      {
        config: { access: 'read' },
        schema: {
          ...extension,
          tags,
          summary: "List a customer's holds, newest first (Coffer extension)",
          params: CustomerIdParams,
          querystring: HoldListQuery,
          response: { 200: HoldListResponse, '4xx': ErrorResponse },
        },
      },
      async (request, reply) => {
        const { page_number = 0, page_size = pageSizeDefault, status } = request.query;
        const result = await service.list(request.principal.businessId, request.params.customer_id, { pageNumber: page_number, pageSize: page_size, status });
        return result.ok ? result.value : sendErr(reply, result);
      },
    );

    app.get(
      '/holds/:hold_id',
      {
        config: { access: 'read' },
        schema: { ...extension, tags, summary: 'Retrieve a hold (Coffer extension)', params: HoldIdParams, response: { 200: Hold, '4xx': ErrorResponse } },
      },
      async (request, reply) => {
        const result = await service.get(request.principal.businessId, request.params.hold_id);
        return result.ok ? result.value : sendErr(reply, result);
      },
    );

    app.post(
      '/holds/:hold_id/capture',
      {
        config: { access: 'write' },
        schema: {
          ...extension,
          tags,
          summary: 'Capture a hold: one debit entry of up to the held amount; the rest is released (Coffer extension)',
          params: HoldIdParams,
          body: HoldCaptureBody,
          response: { 200: Hold, '4xx': ErrorResponse },
        },
      },
      async (request, reply) => {
        const result = await service.clientCapture(request.principal.businessId, request.params.hold_id, request.body.amount ?? null);
        if (!result.ok) return sendErr(reply, result);
        if (result.value.replayed) reply.header('x-idempotent-replay', 'true');
        return result.value.hold;
      },
    );

    app.post(
      '/holds/:hold_id/release',
      {
        config: { access: 'write' },
        schema: {
          ...extension,
          tags,
          summary: 'Release an active hold: its money is available again (Coffer extension)',
          params: HoldIdParams,
          body: EmptyBody,
          response: { 200: Hold, '4xx': ErrorResponse },
        },
      },
      async (request, reply) => {
        const result = await service.clientRelease(request.principal.businessId, request.params.hold_id);
        if (!result.ok) return sendErr(reply, result);
        if (result.value.replayed) reply.header('x-idempotent-replay', 'true');
        return result.value.hold;
      },
    );
  };
