// A subscription as the API shows it: Dodo's Subscription where its fields apply, plus Coffer's extensions.
import type { PaymentCustomer } from '../billing/billing-wire.ts';
import type { SubscriptionsTable } from '../db/schema.ts';

const dodoInterval = { day: 'Day', week: 'Week', month: 'Month', year: 'Year' } as const;

export type WireSubscription = ReturnType<typeof toWireSubscription>;

export function toWireSubscription(row: SubscriptionsTable, customer: PaymentCustomer) {
  const interval = dodoInterval[row.billing_interval];
  return {
    subscription_id: row.id,
    business_id: row.business_id,
    brand_id: row.business_id,
    customer: { customer_id: customer.id, email: customer.email, name: customer.name, phone_number: customer.phone_number },
    currency: row.currency,
    recurring_pre_tax_amount: Number(row.amount),
    payment_frequency_interval: interval,
    payment_frequency_count: Number(row.interval_count),
    // No fixed term: a subscription runs until cancelled or expires_at; the period is one billing period.
    subscription_period_interval: interval,
    subscription_period_count: Number(row.interval_count),
    status: row.status,
    next_billing_date: row.next_billing_date,
    previous_billing_date: row.previous_billing_date ?? row.anchor_at,
    cancel_at_next_billing_date: Number(row.cancel_at_next_billing_date) === 1,
    cancelled_at: row.cancelled_at,
    paused_at: row.paused_at,
    expires_at: row.expires_at,
    payment_method_id: row.payment_method_id,
    has_payment_method: row.payment_method_id !== null,
    metadata: JSON.parse(row.metadata) as Record<string, string>,
    product_id: '',
    quantity: 1,
    on_demand: true,
    tax_inclusive: false,
    trial_period_days: 0,
    addons: [],
    meters: [],
    discounts: [],
    credit_entitlement_cart: [],
    meter_credit_entitlement_cart: [],
    billing: { city: '', country: '', state: '', street: '', zipcode: '' },
    created_at: row.created_at,
    updated_at: row.updated_at,
    interval: row.billing_interval,
    interval_count: Number(row.interval_count),
    starts_at: row.anchor_at,
    wallet: { mode: row.wallet_mode, cap_amount: row.wallet_cap_amount === null ? null : Number(row.wallet_cap_amount) },
    periods_billed: Number(row.next_period_index),
    dunning:
      row.dunning_started_at === null
        ? null
        : { attempt: Number(row.dunning_attempt), started_at: row.dunning_started_at, next_retry_at: row.dunning_next_retry_at },
  };
}
