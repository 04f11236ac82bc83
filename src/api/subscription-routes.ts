// HTTP routes of subscriptions in Dodo's shapes where the fields apply (`subscriptions.create`-like create, list,
// retrieve, update, charge); renewals run in jobs, paid wallet-first through billing.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ErrorResponse } from '../http/error-schema.ts';
import { sendErr } from '../http/reply.ts';
import { pageSizeDefault } from '../ledger/ledger-schemas.ts';
import {
  Subscription,
  SubscriptionChargeBody,
  SubscriptionChargeResponse,
  SubscriptionCreateBody,
  SubscriptionIdParams,
  SubscriptionListQuery,
  SubscriptionListResponse,
  SubscriptionUpdateBody,
} from '../subscriptions/subscription-schemas.ts';
import type { SubscriptionService } from '../subscriptions/subscription-service.ts';

export const subscriptionRoutes =
  (service: SubscriptionService): FastifyPluginAsyncTypebox =>
  async (app) => {
    const tags = ['Subscriptions'];

    app.post(
      '/subscriptions',
      {
        config: { access: 'write' },
        schema: {
          'x-coffer-extension': true,
          tags,
          summary: 'Create a subscription paid from the wallet first, the rest charged to a payment method (Coffer extension)',
          body: SubscriptionCreateBody,
          response: { 200: Subscription, '4xx': ErrorResponse },
        },
      },
      async (request, reply) => {
        const result = await service.create(request.principal.businessId, request.body);
        return result.ok ? result.value : sendErr(reply, result);
      },
    );

    app.get(
      '/subscriptions',
      {
        config: { access: 'read' },
        schema: { tags, summary: 'List subscriptions, newest first', querystring: SubscriptionListQuery, response: { 200: SubscriptionListResponse, '4xx': ErrorResponse } },
      },
      async (request, reply) => {
        const { page_number = 0, page_size = pageSizeDefault, customer_id, status } = request.query;
        const result = await service.list(request.principal.businessId, { pageNumber: page_number, pageSize: page_size, customerId: customer_id, status });
        return result.ok ? result.value : sendErr(reply, result);
      },
    );

    app.get(
      '/subscriptions/:subscription_id',
      {
        config: { access: 'read' },
        schema: { tags, summary: 'Retrieve a subscription', params: SubscriptionIdParams, response: { 200: Subscription, '4xx': ErrorResponse } },
      },
      async (request, reply) => {
        const result = await service.get(request.principal.businessId, request.params.subscription_id);
        return result.ok ? result.value : sendErr(reply, result);
      },
    );

    app.patch(
      '/subscriptions/:subscription_id',
      {
        config: { access: 'write' },
        schema: {
          tags,
          summary: 'Update a subscription: pause, resume, cancel now or at the next billing date, metadata',
          params: SubscriptionIdParams,
          body: SubscriptionUpdateBody,
          response: { 200: Subscription, '4xx': ErrorResponse },
        },
      },
      async (request, reply) => {
        const result = await service.update(request.principal.businessId, request.params.subscription_id, request.body);
        return result.ok ? result.value : sendErr(reply, result);
      },
    );

    app.post(
      '/subscriptions/:subscription_id/charge',
      {
        config: { access: 'write' },
        schema: {
          tags,
          summary: "Charge the subscription's customer once: the wallet first unless customer_balance_config.allow_customer_credits_usage is false",
          params: SubscriptionIdParams,
          body: SubscriptionChargeBody,
          response: { 200: SubscriptionChargeResponse, '4xx': ErrorResponse },
        },
      },
      async (request, reply) => {
        const result = await service.charge(request.principal.businessId, request.params.subscription_id, request.body);
        return result.ok ? result.value : sendErr(reply, result);
      },
    );
  };
