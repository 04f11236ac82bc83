// Invoices paid wallet-first over HTTP on both stores: a wallet that covers an invoice fully, partly and not at all,
// each simulated test method, a decline after a partial hold, wallet modes, voiding, the recovery job, payments
// through the official SDK (payments.list / retrieve, invoices.payments.retrieve as a PDF), and the events.
import type DodoPayments from 'dodopayments';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { paymentRecoveryDelayMs } from '../../src/billing/billing-limits.ts';
import { verifyStore } from '../../src/ops/verify.ts';
import { createCustomer, credit } from '../support/fixtures.ts';
import { ManualClock } from '../support/manual-clock.ts';
import { sdkClient } from '../support/sdk.ts';
import { storeKinds } from '../support/stores.ts';
import { type TestApp, startTestApp } from '../support/test-app.ts';
import { attachMethod, createInvoice, entriesOf, pay, walletOf } from './support.ts';

/** The text of an uncompressed pdfkit document: its hex-encoded strings, decoded. */
export function pdfText(pdf: Buffer): string {
  const text = pdf.toString('latin1');
  return [...text.matchAll(/<([0-9a-fA-F]+)>\s*(?:-?\d+\s*)?/g)].map((m) => Buffer.from(m[1], 'hex').toString('latin1')).join('');
}

describe.each(storeKinds)('invoices paid wallet-first [%s]', (kind) => {
  let t: TestApp;
  let client: DodoPayments;
  const clock = new ManualClock(new Date('2026-04-01T00:00:00.000Z'));
  beforeAll(async () => {
    t = await startTestApp(kind, { COFFER_PAYMENT_PROCESSOR_TIMEOUT_MS: '300', COFFER_PAYMENT_SIMULATED_DELAY_MS: '20' }, { clock });
    client = sdkClient(await t.listen(), t.apiKey, { maxRetries: 0 });
  });
  afterAll(async () => t?.close());

  const customerWith = async (balance: number, method: string | null = 'pm_card_succeeds') => {
    const customer = await createCustomer(t);
    if (balance > 0) await credit(t, customer.customer_id, balance);
    if (method !== null) await attachMethod(t, customer.customer_id, method);
    return customer.customer_id;
  };
  const invoiceOf = async (id: string) => (await t.request('GET', `/invoices/${id}`)).json();
  const expectClean = async () => expect((await verifyStore(t.coffer.store)).findings).toEqual([]);

  it('the product example: a 60 USD wallet pays a 20 USD invoice in full, nothing is charged, 40 USD are left', async () => {
    const customerId = await customerWith(6000);
    const invoice = await createInvoice(t, customerId, [2000]);
    expect(invoice).toMatchObject({ status: 'open', total_amount: 2000, wallet: { mode: 'auto', cap_amount: null } });
    expect(invoice.invoice_id).toMatch(/^inv_/);
    const payment = await pay(t, invoice.invoice_id);
    expect(payment).toMatchObject({ status: 'succeeded', total_amount: 2000, wallet_amount: 2000, method_amount: 0, invoice_id: invoice.invoice_id, payment_method: 'wallet', currency: 'USD' });
    expect(payment.payment_id).toMatch(/^pay_/);
    expect(payment.customer).toMatchObject({ customer_id: customerId });
    expect(await walletOf(t, customerId)).toMatchObject({ balance: 4000, held_amount: 0, available_balance: 4000 });
    const entries = await entriesOf(t, customerId);
    expect(entries.at(-1)).toMatchObject({ is_credit: false, amount: 2000, event_type: 'payment', reference_object_id: payment.payment_id });
    expect(await invoiceOf(invoice.invoice_id)).toMatchObject({ status: 'paid', payment_id: payment.payment_id, attempt_count: 1 });
    // The wallet entry is keyed by Coffer, in its own scope: invoice:<id>:wallet.
    const record = await t.coffer.store.db.selectFrom('idempotency_records').selectAll().where('key', '=', `invoice:${invoice.invoice_id}:wallet`).executeTakeFirst();
    expect(record).toMatchObject({ scope: 'coffer:invoice_payment', result_id: entries.at(-1)!.id });
    const charges = await t.coffer.store.db.selectFrom('simulated_charges').selectAll().where('customer_id', '=', customerId).execute();
    expect(charges).toEqual([]);
    await expectClean();
  });

  it('a wallet that covers part: it pays what it has, the card is charged the rest', async () => {
    const customerId = await customerWith(1500);
    const invoice = await createInvoice(t, customerId, [1200, 800]);
    const payment = await pay(t, invoice.invoice_id);
    expect(payment).toMatchObject({ status: 'succeeded', total_amount: 2000, wallet_amount: 1500, method_amount: 500, payment_method: 'pm_card_succeeds' });
    expect(payment.charge_id).toMatch(/^ch_/);
    expect(await walletOf(t, customerId)).toMatchObject({ balance: 0, held_amount: 0 });
    const charges = await t.coffer.store.db.selectFrom('simulated_charges').selectAll().where('customer_id', '=', customerId).execute();
    expect(charges.map((c) => [Number(c.amount), c.status])).toEqual([[500, 'succeeded']]);
    await expectClean();
  });

  it('an empty wallet pays nothing: the card is charged the whole invoice', async () => {
    const customerId = await customerWith(0);
    const invoice = await createInvoice(t, customerId, [2000]);
    const payment = await pay(t, invoice.invoice_id);
    expect(payment).toMatchObject({ status: 'succeeded', wallet_amount: 0, method_amount: 2000, hold_id: null });
    expect(await entriesOf(t, customerId)).toEqual([]);
  });

  it('wallet mode never charges everything; cap lets the wallet pay at most cap_amount', async () => {
    const customerId = await customerWith(5000);
    const never = await createInvoice(t, customerId, [1000], { wallet: { mode: 'never' } });
    expect(await pay(t, never.invoice_id)).toMatchObject({ status: 'succeeded', wallet_amount: 0, method_amount: 1000 });
    const capped = await createInvoice(t, customerId, [1000], { wallet: { mode: 'cap', cap_amount: 300 } });
    expect(await pay(t, capped.invoice_id)).toMatchObject({ status: 'succeeded', wallet_amount: 300, method_amount: 700 });
    expect((await walletOf(t, customerId)).balance).toBe(4700);
    const bad = await t.request('POST', '/invoices', { body: { customer_id: customerId, currency: 'USD', line_items: [{ description: 'x', amount: 1 }], wallet: { mode: 'cap' } } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().code).toBe('INVALID_INVOICE');
  });

  for (const [method, reason] of [
    ['pm_card_declines', 'card_declined'],
    ['pm_card_insufficient_funds', 'insufficient_funds'],
    ['pm_card_fails_after_delay', 'processing_error'],
  ] as const) {
    it(`${method}: after a partial hold the charge fails, the hold is released, nothing is debited, the invoice stays open`, async () => {
      const customerId = await customerWith(700, method);
      const invoice = await createInvoice(t, customerId, [2000]);
      const payment = await pay(t, invoice.invoice_id);
      expect(payment).toMatchObject({ status: 'failed', error_code: reason, wallet_amount: 0, method_amount: 0 });
      expect(await walletOf(t, customerId)).toMatchObject({ balance: 700, held_amount: 0, available_balance: 700 });
      expect((await entriesOf(t, customerId)).length).toBe(1);
      const hold = (await t.request('GET', `/holds/${payment.hold_id}`)).json();
      expect(hold).toMatchObject({ status: 'released', amount: 700 });
      expect(await invoiceOf(invoice.invoice_id)).toMatchObject({ status: 'open', last_failure: { code: reason }, attempt_count: 1 });
      // A new attempt with a method that works pays it.
      await attachMethod(t, customerId, 'pm_card_succeeds');
      const second = await pay(t, invoice.invoice_id);
      expect(second).toMatchObject({ status: 'succeeded', wallet_amount: 700, method_amount: 1300, attempt: 2 });
      await expectClean();
    });
  }

  it('pm_card_times_out: the payment stays processing with the hold; the recovery job asks again with the same key and finishes it', async () => {
    const customerId = await customerWith(500, 'pm_card_times_out');
    const invoice = await createInvoice(t, customerId, [2000]);
    const payment = await pay(t, invoice.invoice_id);
    expect(payment).toMatchObject({ status: 'processing', wallet_amount: 500, method_amount: 1500 });
    expect(await walletOf(t, customerId)).toMatchObject({ balance: 500, held_amount: 500, available_balance: 0 });
    expect((await t.request('POST', `/invoices/${invoice.invoice_id}/pay`, { body: {} })).json().code).toBe('INVOICE_NOT_PAYABLE');
    clock.advance(paymentRecoveryDelayMs + 1);
    for (let i = 0; i < 5; i++) await t.coffer.jobs.tick();
    const after = (await t.request('GET', `/payments/${payment.payment_id}`)).json();
    expect(after).toMatchObject({ status: 'succeeded', wallet_amount: 500, method_amount: 1500 });
    expect(await walletOf(t, customerId)).toMatchObject({ balance: 0, held_amount: 0 });
    const charges = await t.coffer.store.db.selectFrom('simulated_charges').selectAll().where('customer_id', '=', customerId).execute();
    expect(charges.length).toBe(1);
    await expectClean();
  });

  it('an unknown or missing method fails the payment with the hold released', async () => {
    const customerId = await customerWith(100, null);
    const invoice = await createInvoice(t, customerId, [2000]);
    const payment = await pay(t, invoice.invoice_id);
    expect(payment).toMatchObject({ status: 'failed', error_code: 'PAYMENT_METHOD_NOT_FOUND' });
    expect(await walletOf(t, customerId)).toMatchObject({ balance: 100, held_amount: 0 });
  });

  it('voids an open invoice; a paid or void invoice cannot be paid or voided', async () => {
    const customerId = await customerWith(5000);
    const invoice = await createInvoice(t, customerId, [100]);
    clock.advance(1);
    const voided = await t.request('POST', `/invoices/${invoice.invoice_id}/void`, { body: {} });
    expect(voided.json().status).toBe('void');
    expect((await t.request('POST', `/invoices/${invoice.invoice_id}/pay`, { body: {} })).json().code).toBe('INVOICE_NOT_PAYABLE');
    const paid = await createInvoice(t, customerId, [100]);
    await pay(t, paid.invoice_id);
    expect((await t.request('POST', `/invoices/${paid.invoice_id}/void`, { body: {} })).json().code).toBe('INVOICE_NOT_PAYABLE');
    expect((await t.request('POST', `/invoices/${paid.invoice_id}/pay`, { body: {} })).statusCode).toBe(409);
    expect((await t.request('GET', '/invoices/inv_missing')).json().code).toBe('INVOICE_NOT_FOUND');
    const other = await t.addBusiness('Other invoices');
    expect((await t.request('GET', `/invoices/${paid.invoice_id}`, { key: other.apiKey })).statusCode).toBe(404);
    const list = (await t.request('GET', `/invoices?customer_id=${customerId}`)).json().items;
    expect(list.map((i: { invoice_id: string }) => i.invoice_id)).toEqual([paid.invoice_id, invoice.invoice_id]);
  });

  it('the SDK lists and retrieves payments and downloads the invoice PDF with the wallet and charged parts', async () => {
    const customerId = await customerWith(1500);
    const invoice = await createInvoice(t, customerId, [1200, 800], { metadata: { order: 'A-17' } });
    const payment = await pay(t, invoice.invoice_id);
    const retrieved = await client.payments.retrieve(payment.payment_id);
    expect(retrieved).toMatchObject({ payment_id: payment.payment_id, total_amount: 2000, status: 'succeeded', invoice_id: invoice.invoice_id });
    const listed = [];
    for await (const item of client.payments.list({ customer_id: customerId })) listed.push(item);
    expect(listed.map((item) => item.payment_id)).toEqual([payment.payment_id]);
    const response = await client.invoices.payments.retrieve(payment.payment_id);
    expect(response.headers.get('content-type')).toBe('application/pdf');
    const pdf = Buffer.from(await response.arrayBuffer());
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    const text = pdfText(pdf);
    expect(text).toContain('Item 1: 12.00 USD');
    expect(text).toContain('Item 2: 8.00 USD');
    expect(text).toContain('Paid from wallet: 15.00 USD');
    expect(text).toContain('Charged to payment method: 5.00 USD');
    expect((await t.request('GET', '/invoices/payments/pay_missing')).statusCode).toBe(404);
  });

  it('payment and invoice events go through the outbox', async () => {
    const customerId = await customerWith(100, 'pm_card_declines');
    const invoice = await createInvoice(t, customerId, [500]);
    await pay(t, invoice.invoice_id);
    await attachMethod(t, customerId, 'pm_card_succeeds');
    await pay(t, invoice.invoice_id);
    const rows = await t.coffer.store.db.selectFrom('events').select(['type']).where('customer_id', '=', customerId).orderBy('seq').execute();
    const types = rows.map((r) => r.type).filter((type) => type.startsWith('payment.') || type.startsWith('invoice.'));
    expect(types).toEqual(['payment.processing', 'payment.failed', 'invoice.payment_failed', 'payment.processing', 'payment.succeeded', 'invoice.paid']);
  });

  it('64 concurrent debits racing an invoice payment: available never negative, held money never spent twice', async () => {
    const customerId = await customerWith(5000);
    const invoice = await createInvoice(t, customerId, [3000]);
    const debits = Array.from({ length: 64 }, (_, i) =>
      t.request('POST', `/customers/${customerId}/wallets/ledger-entries`, { body: { amount: 100, currency: 'USD', entry_type: 'debit', idempotency_key: `race-${customerId}-${i}` } }),
    );
    const [payment, ...answers] = await Promise.all([t.request('POST', `/invoices/${invoice.invoice_id}/pay`, { body: {} }), ...debits]);
    expect(payment.statusCode, payment.body).toBe(200);
    const paid = payment.json();
    expect(paid.status).toBe('succeeded');
    const applied = answers.filter((a) => a.statusCode === 200).length;
    for (const answer of answers) expect([200, 400]).toContain(answer.statusCode);
    const wallet = await walletOf(t, customerId);
    expect(wallet.held_amount).toBe(0);
    expect(wallet.available_balance).toBeGreaterThanOrEqual(0);
    expect(wallet.balance).toBe(5000 - paid.wallet_amount - applied * 100);
    expect(paid.wallet_amount + paid.method_amount).toBe(3000);
    const entries = await entriesOf(t, customerId);
    let balance = 0;
    for (const entry of entries) {
      balance += entry.is_credit ? entry.amount : -entry.amount;
      expect(entry.after_balance).toBe(balance);
      expect(balance).toBeGreaterThanOrEqual(0);
    }
    await expectClean();
  });
});
