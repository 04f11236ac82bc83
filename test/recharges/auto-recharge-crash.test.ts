// SIGKILL of a real `coffer serve` in the middle of an auto-recharge, after the card was charged and before the wallet
// was credited: after a restart the recharge's job (and the top-up's own recovery) resume it under the same keys, so
// the card was charged once, the wallet credited once, the attempt settled, and `coffer verify` finds nothing.
import { describe, expect, it } from 'vitest';
import type { Store } from '../../src/db/database.ts';
import { verifyStore } from '../../src/ops/verify.ts';
import { poster, quickChildEnv, useChildSuite, waitUntil } from '../support/child-suite.ts';
import { storeKinds } from '../support/stores.ts';

const apiKey = `coffer_test_${'r'.repeat(24)}`;
const env = quickChildEnv(apiKey, {
  // A pause after each persisted step of the top-up gives the kill a window.
  COFFER_BILLING_STEP_PAUSE_MS: '1500',
  COFFER_BILLING_RECOVERY_DELAY_MS: '2500',
});
const post = poster(apiKey);

describe.each(storeKinds)('auto-recharge killed mid-recharge [%s]', (kind) => {
  const suite = useChildSuite(kind, () => env);
  let side: Store;
  const serve = () => suite.serve();

  it('killed between charge and credit: after restart the recharge finishes once', async () => {
    let server = await serve();
    const baseUrl = server.baseUrl!;
    const customer = await post(baseUrl, '/customers', { email: 'crash-recharge@example.com', name: 'Crash Recharge' });
    const customerId = customer.customer_id as string;
    await post(baseUrl, `/customers/${customerId}/payment-methods`, { payment_method_id: 'pm_card_succeeds' });
    await post(baseUrl, `/customers/${customerId}/wallets/ledger-entries`, { amount: 1000, currency: 'USD', entry_type: 'credit' });
    await post(baseUrl, `/customers/${customerId}/wallets/USD/auto-recharge`, { threshold_amount: 500, amount: 3000, cooldown_seconds: 0 }, 'PUT');
    side = await suite.side();

    // Below the threshold: the dispatcher enqueues the check, the job runtime starts the recharge.
    await post(baseUrl, `/customers/${customerId}/wallets/ledger-entries`, { amount: 600, currency: 'USD', entry_type: 'debit' });
    const topUpAt = async (step: string) => {
      const row = await side.db.selectFrom('payments').select('step').where('customer_id', '=', customerId).where('kind', '=', 'top_up').executeTakeFirst();
      return row?.step === step;
    };
    expect(await waitUntil(() => topUpAt('charged'), 20_000), server.output()).toBe(true);
    server.kill();
    await server.exited;
    const attempts = await side.db.selectFrom('auto_recharge_attempts').selectAll().where('customer_id', '=', customerId).execute();
    expect(attempts.map((a) => a.status)).toEqual(['processing']);

    server = await serve();
    const settled = await waitUntil(async () => {
      const row = await side.db.selectFrom('auto_recharge_attempts').select('status').where('id', '=', attempts[0].id).executeTakeFirstOrThrow();
      return row.status === 'succeeded';
    }, 40_000);
    expect(settled, server.output()).toBe(true);

    const payments = await side.db.selectFrom('payments').selectAll().where('customer_id', '=', customerId).where('kind', '=', 'top_up').execute();
    expect(payments.map((p) => [Number(p.total_amount), p.status])).toEqual([[3000, 'succeeded']]);
    const charges = await side.db.selectFrom('simulated_charges').selectAll().where('customer_id', '=', customerId).execute();
    expect(charges.map((c) => [Number(c.amount), c.status])).toEqual([[3000, 'succeeded']]);
    const credits = await side.db.selectFrom('ledger_entries').selectAll().where('customer_id', '=', customerId).where('event_type', '=', 'payment').execute();
    expect(credits.map((e) => [Number(e.amount), e.reference_object_id])).toEqual([[3000, payments[0].id]]);
    const wallet = await side.db.selectFrom('wallets').selectAll().where('customer_id', '=', customerId).where('currency', '=', 'USD').executeTakeFirstOrThrow();
    expect(Number(wallet.balance)).toBe(1000 - 600 + 3000);
    const all = await side.db.selectFrom('auto_recharge_attempts').selectAll().where('customer_id', '=', customerId).execute();
    expect(all.map((a) => [a.id, a.status])).toEqual([[attempts[0].id, 'succeeded']]);
    const events = await side.db.selectFrom('events').select('type').where('customer_id', '=', customerId).where('type', 'like', 'wallet.auto_recharge.%').execute();
    expect(events.map((e) => e.type)).toEqual(['wallet.auto_recharge.succeeded']);
    expect((await verifyStore(side)).findings).toEqual([]);
  });
});
