// HTTP routes for a customer's wallets and wallet ledger entries.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ErrorResponse } from '../http/error-schema.ts';
import { sendErr } from '../http/reply.ts';
import {
  CustomerIdParams,
  CustomerWallet,
  LedgerEntryCreateBody,
  LedgerEntryListQuery,
  LedgerEntryListResponse,
  WalletListResponse,
  pageSizeDefault,
} from '../ledger/ledger-schemas.ts';
import type { LedgerService } from '../ledger/ledger-service.ts';
import { WalletsAsOfQuery } from '../analytics/analytics-schemas.ts';
import type { AnalyticsService } from '../analytics/analytics-service.ts';

export const ledgerRoutes =
  (service: LedgerService, analytics: AnalyticsService): FastifyPluginAsyncTypebox =>
  async (app) => {
    const tags = ['Customer wallets'];
    app.get(
      '/customers/:customer_id/wallets',
      {
        config: { access: 'read' },
        schema: {
          tags,
          summary: "List a customer's wallets and their total in USD",
          params: CustomerIdParams,
          querystring: WalletsAsOfQuery,
          response: { 200: WalletListResponse, '4xx': ErrorResponse },
        },
      },
      async (request, reply) => {
        const asOf = request.query.as_of;
        const result =
          asOf === undefined
            ? await service.listWallets(request.principal.businessId, request.params.customer_id)
            : await analytics.walletsAsOf(request.principal.businessId, request.params.customer_id, new Date(asOf).toISOString());
        return result.ok ? result.value : sendErr(reply, result);
      },
    );

    app.post(
      '/customers/:customer_id/wallets/ledger-entries',
      {
        config: { access: 'write' },
        schema: {
          tags,
          summary: 'Credit or debit a wallet; returns the updated wallet',
          params: CustomerIdParams,
          body: LedgerEntryCreateBody,
          response: { 200: CustomerWallet, '4xx': ErrorResponse },
        },
      },
      async (request, reply) => {
        const body = request.body;
        const result = await service.postEntry({
          businessId: request.principal.businessId,
          customerId: request.params.customer_id,
          currency: body.currency,
          amount: body.amount,
          entryType: body.entry_type,
          reason: body.reason ?? null,
          idempotencyKey: body.idempotency_key ?? null,
          expiresAt: body.expires_at ?? null,
          category: body.category,
        });
        if (!result.ok) return sendErr(reply, result);
        if (result.value.outcome === 'replayed') reply.header('x-idempotent-replay', 'true');
        return result.value.wallet;
      },
    );

    app.get(
      '/customers/:customer_id/wallets/ledger-entries',
      {
        config: { access: 'read' },
        schema: {
          tags,
          summary: "List a customer's wallet ledger entries, newest first",
          params: CustomerIdParams,
          querystring: LedgerEntryListQuery,
          response: { 200: LedgerEntryListResponse, '4xx': ErrorResponse },
        },
      },
      async (request, reply) => {
        const { page_number = 0, page_size = pageSizeDefault, currency } = request.query;
        const result = await service.listEntries(request.principal.businessId, request.params.customer_id, {
          pageNumber: page_number,
          pageSize: page_size,
          currency,
        });
        return result.ok ? result.value : sendErr(reply, result);
      },
    );
  };
