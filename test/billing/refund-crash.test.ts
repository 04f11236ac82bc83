// SIGKILL of a real `coffer serve` in the middle of a top-up (charged, not yet credited) and of a refund (wallet part
// credited, card part not yet refunded): after a restart the jobs finish them, the card is charged (refunded) once,
// the wallet credited once, nothing acknowledged is lost, and `coffer verify` finds nothing.
import { describe, expect, it } from 'vitest';
import type { Store } from '../../src/db/database.ts';
import { verifyStore } from '../../src/ops/verify.ts';
import { call } from '../support/child-server.ts';
import { poster, quickChildEnv, useChildSuite, waitUntil } from '../support/child-suite.ts';
import { storeKinds } from '../support/stores.ts';

const apiKey = `coffer_test_${'b'.repeat(24)}`;
const env = quickChildEnv(apiKey, {
  // A pause after each persisted step gives the kill a window; the recovery job is due soon after a payment starts.
  COFFER_BILLING_STEP_PAUSE_MS: '1500',
  COFFER_BILLING_RECOVERY_DELAY_MS: '2500',
});
const post = poster(apiKey);

describe.each(storeKinds)('top-up and refund killed between steps [%s]', (kind) => {
  const suite = useChildSuite(kind, () => env);
  let side: Store;
  const serve = () => suite.serve();
  const newCustomer = async (baseUrl: string, label: string) => {
    const customer = await post(baseUrl, '/customers', { email: `crash-${label}@example.com`, name: `Crash ${label}` });
    await post(baseUrl, `/customers/${customer.customer_id}/payment-methods`, { payment_method_id: 'pm_card_succeeds' });
    side = await suite.side();
    return customer.customer_id as string;
  };
  const walletOf = (customerId: string) => side.db.selectFrom('wallets').selectAll().where('customer_id', '=', customerId).where('currency', '=', 'USD').executeTakeFirstOrThrow();

  it('a top-up killed after the charge: after restart the wallet is credited once and the card charged once', async () => {
    let server = await serve();
    const customerId = await newCustomer(server.baseUrl!, 'top-up');
    void call(`${server.baseUrl}/customers/${customerId}/wallets/top-ups`, { body: { currency: 'USD', amount: 1200, idempotency_key: 'crash-top-up' }, key: apiKey });
    const reached = await waitUntil(async () => {
      const row = await side.db.selectFrom('payments').select('step').where('customer_id', '=', customerId).executeTakeFirst();
      return row?.step === 'charged';
    }, 15_000);
    expect(reached).toBe(true);
    server.kill();
    await server.exited;
    const stopped = await side.db.selectFrom('payments').selectAll().where('customer_id', '=', customerId).executeTakeFirstOrThrow();
    expect(stopped.status).toBe('processing');
    expect(Number((await walletOf(customerId)).balance)).toBe(0);

    server = await serve();
    const finished = await waitUntil(async () => (await side.db.selectFrom('payments').select('status').where('id', '=', stopped.id).executeTakeFirstOrThrow()).status === 'succeeded', 30_000);
    expect(finished, server.output()).toBe(true);
    // The client's retry answers the same top-up.
    const again = await post(server.baseUrl!, `/customers/${customerId}/wallets/top-ups`, { currency: 'USD', amount: 1200, idempotency_key: 'crash-top-up' });
    expect(again.payment.payment_id).toBe(stopped.id);
    expect(Number((await walletOf(customerId)).balance)).toBe(1200);
    const charges = await side.db.selectFrom('simulated_charges').selectAll().where('customer_id', '=', customerId).execute();
    expect(charges.map((c) => [Number(c.amount), c.status])).toEqual([[1200, 'succeeded']]);
    const entries = await side.db.selectFrom('ledger_entries').selectAll().where('customer_id', '=', customerId).execute();
    expect(entries.map((e) => [Number(e.amount), e.event_type, e.reference_object_id])).toEqual([[1200, 'payment', stopped.id]]);
    expect((await verifyStore(side)).findings).toEqual([]);
  });

  it('a refund killed after its wallet part: after restart the card part is refunded once and nothing is credited twice', async () => {
    let server = await serve();
    const baseUrl = server.baseUrl!;
    const customerId = await newCustomer(baseUrl, 'refund');
    await post(baseUrl, `/customers/${customerId}/wallets/ledger-entries`, { amount: 600, currency: 'USD', entry_type: 'credit' });
    const invoice = await post(baseUrl, '/invoices', { customer_id: customerId, currency: 'USD', line_items: [{ description: 'Plan', amount: 1000 }] });
    const payment = await post(baseUrl, `/invoices/${invoice.invoice_id}/pay`, {});
    expect(payment.status).toBe('succeeded');
    void call(`${baseUrl}/refunds`, { body: { payment_id: payment.payment_id }, key: apiKey });
    const reached = await waitUntil(async () => {
      const row = await side.db.selectFrom('refunds').select('step').where('payment_id', '=', payment.payment_id).executeTakeFirst();
      return row?.step === 'wallet_done' || row?.step === 'done';
    }, 15_000);
    expect(reached).toBe(true);
    server.kill();
    await server.exited;
    const stopped = await side.db.selectFrom('refunds').selectAll().where('payment_id', '=', payment.payment_id).executeTakeFirstOrThrow();

    server = await serve();
    const finished = await waitUntil(async () => (await side.db.selectFrom('refunds').select('status').where('id', '=', stopped.id).executeTakeFirstOrThrow()).status === 'succeeded', 30_000);
    expect(finished, server.output()).toBe(true);
    expect(Number((await walletOf(customerId)).balance)).toBe(600);
    const refundEntries = await side.db.selectFrom('ledger_entries').selectAll().where('customer_id', '=', customerId).where('event_type', '=', 'refund').execute();
    expect(refundEntries.map((e) => [Number(e.amount), e.reference_object_id])).toEqual([[600, stopped.id]]);
    const cardRefunds = await side.db.selectFrom('simulated_refunds').selectAll().where('charge_id', '=', payment.charge_id).execute();
    expect(cardRefunds.map((r) => [Number(r.amount), r.status])).toEqual([[400, 'succeeded']]);
    expect((await verifyStore(side)).findings).toEqual([]);
  });
});
