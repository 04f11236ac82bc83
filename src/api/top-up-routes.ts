// HTTP route of top-ups (a Coffer extension): charge the customer's method and credit the wallet once it succeeded.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { TopUp, TopUpBody } from '../billing/refund-schemas.ts';
import type { TopUpService } from '../billing/top-up-service.ts';
import { ErrorResponse } from '../http/error-schema.ts';
import { sendErr } from '../http/reply.ts';
import { CustomerIdParams } from '../ledger/ledger-schemas.ts';

export const topUpRoutes =
  (service: TopUpService): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.post(
      '/customers/:customer_id/wallets/top-ups',
      {
        config: { access: 'write' },
        schema: {
          'x-coffer-extension': true,
          tags: ['Payments'],
          summary: "Charge the customer's payment method and credit the wallet once the charge succeeded; a decline writes nothing (Coffer extension)",
          params: CustomerIdParams,
          body: TopUpBody,
          response: { 200: TopUp, '4xx': ErrorResponse },
        },
      },
      async (request, reply) => {
        const body = request.body;
        const result = await service.topUp({
          businessId: request.principal.businessId,
          customerId: request.params.customer_id,
          currency: body.currency,
          amount: body.amount,
          paymentMethodId: body.payment_method_id ?? null,
          idempotencyKey: body.idempotency_key,
        });
        if (!result.ok) return sendErr(reply, result);
        if (result.value.replayed) reply.header('x-idempotent-replay', 'true');
        return { payment: result.value.payment, entry: result.value.entry };
      },
    );
  };
