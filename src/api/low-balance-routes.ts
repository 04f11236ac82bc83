// HTTP routes of low-balance thresholds (Coffer extensions): per wallet, and a business default per currency.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ErrorResponse } from '../http/error-schema.ts';
import { sendErr } from '../http/reply.ts';
import {
  CurrencyParams,
  DefaultThreshold,
  DefaultThresholdList,
  ThresholdBody,
  WalletThreshold,
  WalletThresholdParams,
} from '../ledger/low-balance-schemas.ts';
import type { LowBalanceService } from '../ledger/low-balance-service.ts';

export const lowBalanceRoutes =
  (service: LowBalanceService): FastifyPluginAsyncTypebox =>
  async (app) => {
    const tags = ['Low-balance alerts'];
    // Coffer's own operations: the SDK has no method for them (its examples call them with the generic client).
    const extension = { 'x-coffer-extension': true };
    const walletPath = '/customers/:customer_id/wallets/:currency/low-balance-threshold';
    const walletSchema = { tags, params: WalletThresholdParams, response: { 200: WalletThreshold, '4xx': ErrorResponse } };

    app.get(walletPath, { config: { access: 'read' }, schema: { ...walletSchema, ...extension, summary: "A wallet's low-balance threshold in force (Coffer extension)" } }, async (request, reply) => {
      const { customer_id, currency } = request.params;
      const result = await service.walletThreshold(request.principal.businessId, customer_id, currency);
      return result.ok ? result.value : sendErr(reply, result);
    });

    app.put(
      walletPath,
      { config: { access: 'write' }, schema: { ...walletSchema, ...extension, body: ThresholdBody, summary: "Set a wallet's own low-balance threshold (Coffer extension)" } },
      async (request, reply) => {
        const { customer_id, currency } = request.params;
        const result = await service.setWalletThreshold(request.principal.businessId, customer_id, currency, request.body.amount);
        return result.ok ? result.value : sendErr(reply, result);
      },
    );

    app.delete(
      walletPath,
      { config: { access: 'write' }, schema: { ...walletSchema, ...extension, summary: "Remove a wallet's own threshold: the business default applies again (Coffer extension)" } },
      async (request, reply) => {
        const { customer_id, currency } = request.params;
        const result = await service.clearWalletThreshold(request.principal.businessId, customer_id, currency);
        return result.ok ? result.value : sendErr(reply, result);
      },
    );

    app.get(
      '/low-balance-thresholds',
      { config: { access: 'read' }, schema: { ...extension, tags, summary: "The business's default thresholds per currency (Coffer extension)", response: { 200: DefaultThresholdList, '4xx': ErrorResponse } } },
      async (request) => service.defaults(request.principal.businessId),
    );

    app.put(
      '/low-balance-thresholds/:currency',
      {
        config: { access: 'write' },
        schema: {
          ...extension,
          tags,
          summary: 'Set the default threshold for every wallet of a currency without its own (Coffer extension)',
          params: CurrencyParams,
          body: ThresholdBody,
          response: { 200: DefaultThreshold, '4xx': ErrorResponse },
        },
      },
      async (request, reply) => {
        const result = await service.setDefault(request.principal.businessId, request.params.currency, request.body.amount);
        return result.ok ? result.value : sendErr(reply, result);
      },
    );

    app.delete(
      '/low-balance-thresholds/:currency',
      {
        config: { access: 'write' },
        schema: { ...extension, tags, summary: 'Remove the default threshold of a currency (Coffer extension)', params: CurrencyParams, response: { 200: DefaultThresholdList, '4xx': ErrorResponse } },
      },
      async (request, reply) => {
        const result = await service.clearDefault(request.principal.businessId, request.params.currency);
        return result.ok ? result.value : sendErr(reply, result);
      },
    );
  };
