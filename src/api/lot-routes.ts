// HTTP routes of a customer's lots (Coffer extensions): the lots listing and what one ledger entry drew from each lot.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { EntryParams, LotDrawListResponse, LotListQuery, LotListResponse } from '../credits/lot-schemas.ts';
import type { LotService } from '../credits/lot-service.ts';
import { ErrorResponse } from '../http/error-schema.ts';
import { sendErr } from '../http/reply.ts';
import { CustomerIdParams, pageSizeDefault } from '../ledger/ledger-schemas.ts';

export const lotRoutes =
  (service: LotService): FastifyPluginAsyncTypebox =>
  async (app) => {
    const tags = ['Customer wallets'];
    const extension = { 'x-coffer-extension': true };

    app.get(
      '/customers/:customer_id/wallets/lots',
      {
        config: { access: 'read' },
        schema: {
          ...extension,
          tags,
          summary: "List a customer's credit lots in the order they are spent, with what is left and when each expires (Coffer extension)",
          params: CustomerIdParams,
          querystring: LotListQuery,
          response: { 200: LotListResponse, '4xx': ErrorResponse },
        },
      },
      async (request, reply) => {
        const { currency, status, page_number = 0, page_size = pageSizeDefault } = request.query;
        const result = await service.listLots(request.principal.businessId, request.params.customer_id, { currency, status, pageNumber: page_number, pageSize: page_size });
        return result.ok ? result.value : sendErr(reply, result);
      },
    );

    app.get(
      '/customers/:customer_id/wallets/ledger-entries/:entry_id/lot-draws',
      {
        config: { access: 'read' },
        schema: {
          ...extension,
          tags,
          summary: 'What a debit or expiration entry took from each lot, in consumption order (Coffer extension)',
          params: EntryParams,
          response: { 200: LotDrawListResponse, '4xx': ErrorResponse },
        },
      },
      async (request, reply) => {
        const result = await service.listDraws(request.principal.businessId, request.params.customer_id, request.params.entry_id);
        return result.ok ? result.value : sendErr(reply, result);
      },
    );
  };
