// Helpers of the billing suites: holds, invoices and payments over HTTP, wallets with held and available amounts.
import { expect } from 'vitest';
import type { TestApp } from '../support/test-app.ts';

export interface WalletItem {
  currency: string;
  balance: number;
  held_amount: number;
  available_balance: number;
}

export async function walletOf(t: TestApp, customerId: string, currency = 'USD'): Promise<WalletItem> {
  const response = await t.request('GET', `/customers/${customerId}/wallets`);
  expect(response.statusCode, response.body).toBe(200);
  const wallet = (response.json().items as WalletItem[]).find((w) => w.currency === currency);
  expect(wallet).toBeDefined();
  return wallet!;
}

let holdCounter = 0;

export function placeHold(t: TestApp, customerId: string, amount: number, extra: Record<string, unknown> = {}) {
  return t.request('POST', `/customers/${customerId}/wallets/holds`, {
    body: { currency: 'USD', amount, idempotency_key: `hold-${++holdCounter}-${Date.now()}`, ...extra },
  });
}

export async function mustHold(t: TestApp, customerId: string, amount: number, extra: Record<string, unknown> = {}) {
  const response = await placeHold(t, customerId, amount, extra);
  expect(response.statusCode, response.body).toBe(200);
  return response.json();
}

export async function attachMethod(t: TestApp, customerId: string, methodId: string, primary = true): Promise<void> {
  const response = await t.request('POST', `/customers/${customerId}/payment-methods`, { body: { payment_method_id: methodId, primary } });
  expect(response.statusCode, response.body).toBe(200);
}

export async function createInvoice(t: TestApp, customerId: string, amounts: number[], extra: Record<string, unknown> = {}) {
  const response = await t.request('POST', '/invoices', {
    body: { customer_id: customerId, currency: 'USD', line_items: amounts.map((amount, i) => ({ description: `Item ${i + 1}`, amount })), ...extra },
  });
  expect(response.statusCode, response.body).toBe(200);
  return response.json();
}

export async function pay(t: TestApp, invoiceId: string, body: Record<string, unknown> = {}) {
  const response = await t.request('POST', `/invoices/${invoiceId}/pay`, { body });
  expect(response.statusCode, response.body).toBe(200);
  return response.json();
}

/** Entries of a customer's USD wallet, oldest first. */
export async function entriesOf(t: TestApp, customerId: string) {
  const response = await t.request('GET', `/customers/${customerId}/wallets/ledger-entries?page_size=100&currency=USD`);
  expect(response.statusCode, response.body).toBe(200);
  return (response.json().items as Array<{ id: string; amount: number; is_credit: boolean; event_type: string; reference_object_id: string | null; after_balance: number }>).reverse();
}
