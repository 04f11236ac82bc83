// HTTP routes of auto-recharge (Coffer extensions): set, read and remove a wallet's setting. The recharges run in the
// wallet.auto_recharge job (src/recharges/recharge-runner.ts), not here.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ErrorResponse } from '../http/error-schema.ts';
import { sendErr } from '../http/reply.ts';
import { AutoRecharge, AutoRechargeBody, AutoRechargeParams } from '../recharges/recharge-schemas.ts';
import type { RechargeService } from '../recharges/recharge-service.ts';

export const autoRechargeRoutes =
  (service: RechargeService): FastifyPluginAsyncTypebox =>
  async (app) => {
    const path = '/customers/:customer_id/wallets/:currency/auto-recharge';
    const schema = { 'x-coffer-extension': true, tags: ['Auto-recharge'], params: AutoRechargeParams, response: { 200: AutoRecharge, '4xx': ErrorResponse } };
    const walletOf = (request: { principal: { businessId: string }; params: { customer_id: string; currency: string } }) => ({
      businessId: request.principal.businessId,
      customerId: request.params.customer_id,
      currency: request.params.currency,
    });

    app.put(
      path,
      {
        config: { access: 'write' },
        schema: {
          ...schema,
          body: AutoRechargeBody,
          summary: 'Top the wallet up from the customer\'s payment method whenever its available balance falls below a threshold (Coffer extension)',
        },
      },
      async (request, reply) => {
        const result = await service.put(walletOf(request), request.body);
        return result.ok ? result.value : sendErr(reply, result);
      },
    );

    app.get(path, { config: { access: 'read' }, schema: { ...schema, summary: "A wallet's auto-recharge setting and its latest recharges (Coffer extension)" } }, async (request, reply) => {
      const result = await service.get(walletOf(request));
      return result.ok ? result.value : sendErr(reply, result);
    });

    app.delete(
      path,
      { config: { access: 'write' }, schema: { ...schema, summary: "Turn a wallet's auto-recharge off and remove its setting; answers it as it was (Coffer extension)" } },
      async (request, reply) => {
        const result = await service.remove(walletOf(request));
        return result.ok ? result.value : sendErr(reply, result);
      },
    );
  };
