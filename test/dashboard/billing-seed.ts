// Seeds one customer's billing for the dashboard's tests, through the API: a promotional credit that expires, a hold,
// an invoice the wallet pays, one partly charged to a card, one declined (still open) and one left open.
import type { TestApp } from '../support/test-app.ts';

export interface SeededBilling {
  holdId: string;
  paidInvoiceId: string;
  walletPaymentId: string;
  cardPaymentId: string;
  declinedInvoiceId: string;
  openInvoiceId: string;
}

export async function seedBilling(t: TestApp, customerId: string, now: Date): Promise<SeededBilling> {
  const post = async (url: string, body: unknown) => {
    const response = await t.request('POST', url, { body });
    if (response.statusCode !== 200) throw new Error(`${url} answered ${response.statusCode}: ${response.body}`);
    return response.json();
  };
  const expiresAt = new Date(now.getTime() + 5 * 86_400_000).toISOString();
  await post(`/customers/${customerId}/wallets/ledger-entries`, { currency: 'USD', entry_type: 'credit', amount: 8000, reason: 'Spring promotion', category: 'promotional', expires_at: expiresAt });
  await post(`/customers/${customerId}/wallets/ledger-entries`, { currency: 'USD', entry_type: 'credit', amount: 10_000, reason: 'Prepaid deposit' });
  const hold = await post(`/customers/${customerId}/wallets/holds`, { currency: 'USD', amount: 700, reason: 'Pending order 1042', idempotency_key: `hold_seed_${customerId}` });
  await post(`/customers/${customerId}/payment-methods`, { payment_method_id: 'pm_card_succeeds' });
  const invoice = (lines: Array<[string, number]>, wallet?: unknown) =>
    post('/invoices', { customer_id: customerId, currency: 'USD', line_items: lines.map(([description, amount]) => ({ description, amount })), ...(wallet ? { wallet } : {}) });
  const paid = await invoice([['Monthly plan', 1500], ['Extra seats', 500]]);
  const walletPayment = await post(`/invoices/${paid.invoice_id}/pay`, {});
  const card = await invoice([['Annual add-on', 6000]], { mode: 'cap', cap_amount: 1000 });
  const cardPayment = await post(`/invoices/${card.invoice_id}/pay`, {});
  await post(`/customers/${customerId}/payment-methods`, { payment_method_id: 'pm_card_declines' });
  const declined = await invoice([['Hardware', 4200]], { mode: 'never' });
  await post(`/invoices/${declined.invoice_id}/pay`, { payment_method_id: 'pm_card_declines' });
  const open = await invoice([['Consulting, March', 9900]]);
  return {
    holdId: hold.id,
    paidInvoiceId: paid.invoice_id,
    walletPaymentId: walletPayment.payment_id,
    cardPaymentId: cardPayment.payment_id,
    declinedInvoiceId: declined.invoice_id,
    openInvoiceId: open.invoice_id,
  };
}
