// Invoices and payments as the API shows them; a payment in Dodo's Payment shape where the fields apply, plus
// wallet_amount and method_amount.
import type { CustomersTable, InvoicesTable, PaymentsTable } from '../db/schema.ts';

export interface WireInvoice {
  invoice_id: string;
  business_id: string;
  customer_id: string;
  currency: string;
  total_amount: number;
  line_items: Array<{ description: string; amount: number }>;
  wallet: { mode: InvoicesTable['wallet_mode']; cap_amount: number | null };
  metadata: Record<string, string>;
  status: InvoicesTable['status'];
  payment_id: string | null;
  attempt_count: number;
  last_failure: { code: string; message: string } | null;
  paid_at: string | null;
  created_at: string;
  updated_at: string;
  subscription_id: string | null;
  subscription_period_start: string | null;
}

export function toWireInvoice(row: InvoicesTable): WireInvoice {
  return {
    invoice_id: row.id,
    business_id: row.business_id,
    customer_id: row.customer_id,
    currency: row.currency,
    total_amount: Number(row.total_amount),
    line_items: JSON.parse(row.line_items),
    wallet: { mode: row.wallet_mode, cap_amount: row.wallet_cap_amount === null ? null : Number(row.wallet_cap_amount) },
    metadata: JSON.parse(row.metadata),
    status: row.status,
    payment_id: row.payment_id,
    attempt_count: Number(row.attempt_count),
    last_failure: row.last_failure_code === null ? null : { code: row.last_failure_code, message: row.last_failure_message ?? '' },
    paid_at: row.paid_at,
    created_at: row.created_at,
    updated_at: row.updated_at,
    subscription_id: row.subscription_id ?? null,
    subscription_period_start: row.subscription_period_start ?? null,
  };
}

export type PaymentCustomer = Pick<CustomersTable, 'id' | 'email' | 'name' | 'phone_number'>;

export interface WirePayment {
  payment_id: string;
  business_id: string;
  brand_id: string;
  total_amount: number;
  currency: string;
  status: PaymentsTable['status'];
  customer: { customer_id: string; email: string; name: string; phone_number: string | null };
  invoice_id: string | null;
  subscription_id: null;
  payment_method: string | null;
  payment_method_type: string | null;
  payment_link: null;
  error_code: string | null;
  error_message: string | null;
  metadata: Record<string, string>;
  disputes: unknown[];
  refunds: unknown[];
  settlement_amount: number;
  settlement_currency: string;
  settlement_tax: null;
  tax: null;
  discount_id: null;
  digital_products_delivered: boolean;
  billing: { city: string; country: string; state: string; street: string; zipcode: string };
  created_at: string;
  updated_at: string;
  /** Coffer extensions: what the wallet paid and what was charged to the method (they add up to total_amount once succeeded). */
  wallet_amount: number;
  method_amount: number;
  hold_id: string | null;
  charge_id: string | null;
  attempt: number;
  kind: PaymentsTable['kind'];
  refunded_amount: number;
}

export function toWirePayment(row: PaymentsTable, customer: PaymentCustomer): WirePayment {
  return {
    payment_id: row.id,
    business_id: row.business_id,
    brand_id: row.business_id,
    total_amount: Number(row.total_amount),
    currency: row.currency,
    status: row.status,
    customer: { customer_id: customer.id, email: customer.email, name: customer.name, phone_number: customer.phone_number },
    invoice_id: row.kind === 'top_up' ? null : row.invoice_id,
    subscription_id: null,
    // The method charged (resolved before the first charge call), else the wallet when it paid alone.
    payment_method: row.payment_method_id ?? (Number(row.wallet_amount) > 0 ? 'wallet' : null),
    payment_method_type: row.processor !== null ? 'card' : Number(row.wallet_amount) > 0 ? 'wallet' : null,
    payment_link: null,
    error_code: row.error_code,
    error_message: row.error_message,
    metadata: row.kind === 'top_up' ? { top_up: 'true' } : { invoice_id: row.invoice_id },
    disputes: [],
    refunds: [],
    settlement_amount: Number(row.total_amount),
    settlement_currency: row.currency,
    settlement_tax: null,
    tax: null,
    discount_id: null,
    digital_products_delivered: false,
    billing: { city: '', country: '', state: '', street: '', zipcode: '' },
    created_at: row.created_at,
    updated_at: row.updated_at,
    wallet_amount: Number(row.wallet_amount),
    method_amount: Number(row.method_amount),
    hold_id: row.hold_id,
    charge_id: row.charge_id,
    attempt: Number(row.attempt),
    kind: row.kind,
    refunded_amount: Number(row.refunded_wallet_amount) + Number(row.refunded_method_amount),
  };
}
