// SIGKILL of a real `coffer serve` in the middle of an invoice payment, between hold and charge and between charge and
// capture: after a restart the recovery job finishes the payment, the wallet and the invoice agree, the card was
// charged exactly once (the simulated processor keeps its charges by key), and `coffer verify` finds nothing.
import { describe, expect, it } from 'vitest';
import type { Store } from '../../src/db/database.ts';
import { verifyStore } from '../../src/ops/verify.ts';
import { call } from '../support/child-server.ts';
import { poster, quickChildEnv, useChildSuite, waitUntil } from '../support/child-suite.ts';
import { storeKinds } from '../support/stores.ts';

const apiKey = `coffer_test_${'b'.repeat(24)}`;
const env = quickChildEnv(apiKey, {
  // A pause after each persisted step gives the kill a window; the recovery job is due soon after a payment starts.
  // A recovery run pauses after each step too: the handler timeout and lease (quickChildEnv) leave room for the pauses.
  COFFER_BILLING_STEP_PAUSE_MS: '1500',
  COFFER_BILLING_RECOVERY_DELAY_MS: '2500',
});
const post = poster(apiKey);

describe.each(storeKinds)('invoice payment killed between steps [%s]', (kind) => {
  const suite = useChildSuite(kind, () => env);
  let side: Store;
  const serve = () => suite.serve();

  for (const killAt of ['held', 'charged'] as const) {
    it(`killed at step ${killAt}: after restart the invoice is paid once, from the wallet and the card`, async () => {
      let server = await serve();
      const baseUrl = server.baseUrl!;
      const customer = await post(baseUrl, '/customers', { email: `crash-${killAt}@example.com`, name: `Crash ${killAt}` });
      const customerId = customer.customer_id as string;
      await post(baseUrl, `/customers/${customerId}/wallets/ledger-entries`, { amount: 1500, currency: 'USD', entry_type: 'credit' });
      await post(baseUrl, `/customers/${customerId}/payment-methods`, { payment_method_id: 'pm_card_succeeds' });
      const invoice = await post(baseUrl, '/invoices', { customer_id: customerId, currency: 'USD', line_items: [{ description: 'Plan', amount: 2000 }] });
      side = await suite.side();

      void call(`${baseUrl}/invoices/${invoice.invoice_id}/pay`, { body: {}, key: apiKey });
      const reached = await waitUntil(async () => {
        const row = await side.db.selectFrom('payments').select('step').where('invoice_id', '=', invoice.invoice_id).executeTakeFirst();
        return row?.step === killAt;
      }, 15_000);
      expect(reached).toBe(true);
      server.kill();
      await server.exited;
      const stopped = await side.db.selectFrom('payments').selectAll().where('invoice_id', '=', invoice.invoice_id).executeTakeFirstOrThrow();
      expect(stopped.status).toBe('processing');

      server = await serve();
      const finished = await waitUntil(async () => {
        const row = await side.db.selectFrom('payments').select('status').where('id', '=', stopped.id).executeTakeFirstOrThrow();
        return row.status === 'succeeded';
      }, 30_000);
      expect(finished, server.output()).toBe(true);

      const payment = await side.db.selectFrom('payments').selectAll().where('id', '=', stopped.id).executeTakeFirstOrThrow();
      expect([Number(payment.wallet_amount), Number(payment.method_amount)]).toEqual([1500, 500]);
      const invoiceRow = await side.db.selectFrom('invoices').selectAll().where('id', '=', invoice.invoice_id).executeTakeFirstOrThrow();
      expect(invoiceRow.status).toBe('paid');
      const wallet = await side.db.selectFrom('wallets').selectAll().where('customer_id', '=', customerId).where('currency', '=', 'USD').executeTakeFirstOrThrow();
      expect([Number(wallet.balance), Number(wallet.held_amount)]).toEqual([0, 0]);
      const charges = await side.db.selectFrom('simulated_charges').selectAll().where('customer_id', '=', customerId).execute();
      expect(charges.map((c) => [Number(c.amount), c.status])).toEqual([[500, 'succeeded']]);
      const payments = await side.db.selectFrom('ledger_entries').selectAll().where('customer_id', '=', customerId).where('event_type', '=', 'payment').execute();
      expect(payments.map((e) => [Number(e.amount), e.reference_object_id])).toEqual([[1500, payment.id]]);
      expect((await verifyStore(side)).findings).toEqual([]);
    });
  }
});
