// HTTP routes for customers: validate by schema, call one service function, map the result.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ErrorResponse } from '../http/error-schema.ts';
import { sendErr } from '../http/reply.ts';
import { CustomerIdParams } from '../ledger/ledger-schemas.ts';
import { Customer, CustomerCreateBody, CustomerListQuery, CustomerListResponse, CustomerUpdateBody } from '../customers/customer-schemas.ts';
import type { CustomerService } from '../customers/customer-service.ts';

export const customerRoutes =
  (service: CustomerService): FastifyPluginAsyncTypebox =>
  async (app) => {
    const tags = ['Customers'];
    app.post(
      '/customers',
      {
        config: { access: 'write' },
        schema: { tags, summary: 'Create a customer (and its wallets)', body: CustomerCreateBody, response: { 200: Customer, '4xx': ErrorResponse } },
      },
      async (request) => service.create(request.principal.businessId, request.body),
    );

    app.get(
      '/customers',
      {
        config: { access: 'read' },
        schema: { tags, summary: 'List customers', querystring: CustomerListQuery, response: { 200: CustomerListResponse, '4xx': ErrorResponse } },
      },
      async (request, reply) => {
        const { items, skipped } = await service.list(request.principal.businessId, request.query);
        if (skipped.length > 0) {
          // The page still answers; the rows it left out are named for the client and the operator.
          request.log.error({ skipped }, 'customer rows that cannot be served were left out of a list page');
          reply.header('x-coffer-skipped-records', skipped.join(','));
        }
        return { items };
      },
    );

    app.get(
      '/customers/:customer_id',
      {
        config: { access: 'read' },
        schema: { tags, summary: 'Retrieve a customer', params: CustomerIdParams, response: { 200: Customer, '4xx': ErrorResponse } },
      },
      async (request, reply) => {
        const result = await service.retrieve(request.principal.businessId, request.params.customer_id);
        return result.ok ? result.value : sendErr(reply, result);
      },
    );

    app.patch(
      '/customers/:customer_id',
      {
        config: { access: 'write' },
        schema: {
          tags,
          summary: 'Update a customer',
          params: CustomerIdParams,
          body: CustomerUpdateBody,
          response: { 200: Customer, '4xx': ErrorResponse },
        },
      },
      async (request, reply) => {
        const result = await service.update(request.principal.businessId, request.params.customer_id, request.body);
        return result.ok ? result.value : sendErr(reply, result);
      },
    );
  };
