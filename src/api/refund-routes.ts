// HTTP routes of refunds in Dodo's shape (`refunds.create/retrieve/list`, with the `amount` and `destination`
// extensions) and the simulated processor's dispute routes (Coffer extensions).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { DisputeService } from '../billing/dispute-service.ts';
import {
  Dispute,
  DisputeCreateBody,
  DisputeIdParams,
  DisputeResolveBody,
  PaymentIdParams,
  Refund,
  RefundCreateBody,
  RefundIdParams,
  RefundListQuery,
  RefundListResponse,
} from '../billing/refund-schemas.ts';
import type { RefundService } from '../billing/refund-service.ts';
import { RefundFailBody } from '../billing/processor-event-schemas.ts';
import { ErrorResponse } from '../http/error-schema.ts';
import { sendErr } from '../http/reply.ts';
import { pageSizeDefault } from '../ledger/ledger-schemas.ts';

export const refundRoutes =
  (refunds: RefundService, disputes: DisputeService): FastifyPluginAsyncTypebox =>
  async (app) => {
    const extension = { 'x-coffer-extension': true };

    app.post(
      '/refunds',
      {
        config: { access: 'write' },
        schema: {
          tags: ['Refunds'],
          summary: 'Refund a payment: all of it, a partial amount or items, to the original method or to the wallet',
          body: RefundCreateBody,
          response: { 200: Refund, '4xx': ErrorResponse },
        },
      },
      async (request, reply) => {
        const result = await refunds.create(request.principal.businessId, request.body);
        if (!result.ok) return sendErr(reply, result);
        const { replayed, ...refund } = result.value as typeof result.value & { replayed?: true };
        if (replayed) reply.header('x-idempotent-replay', 'true');
        return refund;
      },
    );

    app.get(
      '/refunds',
      {
        config: { access: 'read' },
        schema: { tags: ['Refunds'], summary: 'List refunds, newest first', querystring: RefundListQuery, response: { 200: RefundListResponse, '4xx': ErrorResponse } },
      },
      async (request, reply) => {
        const q = request.query;
        if (q.subscription_id !== undefined) return { items: [] };
        const result = await refunds.list(request.principal.businessId, {
          pageNumber: q.page_number ?? 0,
          pageSize: q.page_size ?? pageSizeDefault,
          customerId: q.customer_id,
          paymentId: q.payment_id,
          status: q.status,
          createdAtGte: q.created_at_gte === undefined ? undefined : new Date(q.created_at_gte).toISOString(),
          createdAtLte: q.created_at_lte === undefined ? undefined : new Date(q.created_at_lte).toISOString(),
        });
        return result.ok ? result.value : sendErr(reply, result);
      },
    );

    app.get(
      '/refunds/:refund_id',
      { config: { access: 'read' }, schema: { tags: ['Refunds'], summary: 'Retrieve a refund', params: RefundIdParams, response: { 200: Refund, '4xx': ErrorResponse } } },
      async (request, reply) => {
        const result = await refunds.get(request.principal.businessId, request.params.refund_id);
        return result.ok ? result.value : sendErr(reply, result);
      },
    );

    app.post(
      '/refunds/:refund_id/fail',
      {
        config: { access: 'write' },
        schema: {
          ...extension,
          tags: ['Refunds'],
          summary: "The simulated processor reports that a card refund it had accepted failed later: the card part is credited to the wallet (Coffer extension)",
          params: RefundIdParams,
          body: RefundFailBody,
          response: { 200: Refund, '4xx': ErrorResponse },
        },
      },
      async (request, reply) => {
        const result = await refunds.failCard(request.principal.businessId, request.params.refund_id, request.body.reason ?? 'unspecified', 'simulated');
        return result.ok ? result.value : sendErr(reply, result);
      },
    );

    app.post(
      '/payments/:payment_id/disputes',
      {
        config: { access: 'write' },
        schema: {
          ...extension,
          tags: ['Disputes'],
          summary: "The simulated processor reports a dispute (or a reversal) of a top-up's card payment: the wallet holds what it can (Coffer extension)",
          params: PaymentIdParams,
          body: DisputeCreateBody,
          response: { 200: Dispute, '4xx': ErrorResponse },
        },
      },
      async (request, reply) => {
        const result = await disputes.open(request.principal.businessId, request.params.payment_id, request.body);
        return result.ok ? result.value : sendErr(reply, result);
      },
    );

    app.get(
      '/disputes/:dispute_id',
      { config: { access: 'read' }, schema: { tags: ['Disputes'], summary: 'Retrieve a dispute', params: DisputeIdParams, response: { 200: Dispute, '4xx': ErrorResponse } } },
      async (request, reply) => {
        const result = await disputes.get(request.principal.businessId, request.params.dispute_id);
        return result.ok ? result.value : sendErr(reply, result);
      },
    );

    app.post(
      '/disputes/:dispute_id/resolve',
      {
        config: { access: 'write' },
        schema: {
          ...extension,
          tags: ['Disputes'],
          summary: 'The simulated processor resolves a dispute: lost takes the held money, won releases it (Coffer extension)',
          params: DisputeIdParams,
          body: DisputeResolveBody,
          response: { 200: Dispute, '4xx': ErrorResponse },
        },
      },
      async (request, reply) => {
        const result = await disputes.resolve(request.principal.businessId, request.params.dispute_id, request.body.outcome);
        return result.ok ? result.value : sendErr(reply, result);
      },
    );
  };
