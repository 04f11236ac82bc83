// HTTP routes for a customer's payment methods (the SDK's `customers.retrievePaymentMethods` and
// `customers.deletePaymentMethod`, and Coffer's attach): validate by schema, call one service function, map the result.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ErrorResponse } from '../http/error-schema.ts';
import { sendErr } from '../http/reply.ts';
import { CustomerIdParams } from '../ledger/ledger-schemas.ts';
import {
  AttachedPaymentMethod,
  PaymentMethodAttachBody,
  PaymentMethodIdParams,
  PaymentMethodListResponse,
} from '../payments/payment-method-schemas.ts';
import type { PaymentMethodService } from '../payments/payment-method-service.ts';
import { NoContent } from '../webhooks/endpoint-schemas.ts';

export const paymentMethodRoutes =
  (service: PaymentMethodService): FastifyPluginAsyncTypebox =>
  async (app) => {
    const tags = ['Customers'];

    app.get(
      '/customers/:customer_id/payment-methods',
      {
        config: { access: 'read' },
        schema: {
          tags,
          summary: "List a customer's payment methods, the primary first",
          params: CustomerIdParams,
          response: { 200: PaymentMethodListResponse, '4xx': ErrorResponse },
        },
      },
      async (request, reply) => {
        const result = await service.list(request.principal.businessId, request.params.customer_id);
        return result.ok ? result.value : sendErr(reply, result);
      },
    );

    app.post(
      '/customers/:customer_id/payment-methods',
      {
        config: { access: 'write' },
        schema: {
          'x-coffer-extension': true,
          tags,
          summary: 'Attach a payment method to a customer (Coffer extension)',
          params: CustomerIdParams,
          body: PaymentMethodAttachBody,
          response: { 200: AttachedPaymentMethod, '4xx': ErrorResponse },
        },
      },
      async (request, reply) => {
        const result = await service.attach(request.principal.businessId, request.params.customer_id, request.body);
        if (!result.ok) return sendErr(reply, result);
        if (result.value.outcome === 'replayed') reply.header('x-idempotent-replay', 'true');
        return result.value.method;
      },
    );

    app.delete(
      '/customers/:customer_id/payment-methods/:payment_method_id',
      {
        config: { access: 'write' },
        schema: {
          tags,
          summary: "Detach a customer's payment method (the next in attach order becomes primary)",
          params: PaymentMethodIdParams,
          response: { 204: NoContent, '4xx': ErrorResponse },
        },
      },
      async (request, reply) => {
        const { customer_id: customerId, payment_method_id: id } = request.params;
        const result = await service.detach(request.principal.businessId, customerId, id);
        return result.ok ? reply.code(204).send(null) : sendErr(reply, result);
      },
    );
  };
