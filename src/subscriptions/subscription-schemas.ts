// Wire schemas of subscriptions: request validation, the response allow-list and the OpenAPI entries. The response is
// Dodo's Subscription where its fields apply (contract §7), plus Coffer's wallet, interval and dunning fields.
import { Type } from '@sinclair/typebox';
import { metadataKeysMax, metadataValueLengthMax } from '../billing/billing-limits.ts';
import { Currency, pageNumberMax, pageSizeDefault, pageSizeMax } from '../ledger/ledger-schemas.ts';
import { entryAmountMax } from '../shared/money.ts';
import { billingIntervals } from './period-math.ts';
import { chargeDescriptionLengthMax, intervalCountMax } from './subscription-limits.ts';

const printableText = '^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F]*$';
const Id = (description: string) => Type.String({ minLength: 1, maxLength: 64, pattern: printableText, description });
const Metadata = Type.Record(Type.String({ minLength: 1, maxLength: 100, pattern: printableText }), Type.String({ maxLength: metadataValueLengthMax, pattern: printableText }), {
  maxProperties: metadataKeysMax,
});
const Nullable = <T extends ReturnType<typeof Type.String>>(schema: T) => Type.Union([schema, Type.Null()]);

export const subscriptionStatuses = ['active', 'on_hold', 'paused', 'cancelled', 'expired'] as const;

const WalletChoice = Type.Object(
  {
    mode: Type.Union([Type.Literal('auto'), Type.Literal('never'), Type.Literal('cap')], {
      description: 'auto (the default): the wallet pays what it can of each renewal; never: all to the method; cap: the wallet pays at most cap_amount.',
    }),
    cap_amount: Type.Optional(Type.Union([Type.Integer({ minimum: 1, maximum: entryAmountMax }), Type.Null()])),
  },
  { additionalProperties: false },
);

export const SubscriptionCreateBody = Type.Object(
  {
    customer_id: Id('Customer id, cus_…'),
    currency: Currency,
    amount: Type.Integer({ minimum: 1, maximum: entryAmountMax, description: 'What each period costs, in minor units.' }),
    interval: Type.Union(billingIntervals.map((i) => Type.Literal(i))),
    interval_count: Type.Optional(Type.Integer({ minimum: 1, maximum: intervalCountMax, description: 'Intervals per period (default 1).' })),
    starts_at: Type.Optional(Type.String({ format: 'date-time', description: 'The first period start and the anchor of every later one (default now).' })),
    expires_at: Type.Optional(Nullable(Type.String({ format: 'date-time', description: 'No period starting at or after it is billed: the subscription expires then.' }))),
    wallet: Type.Optional(WalletChoice),
    payment_method_id: Type.Optional(Nullable(Id('The method charged what the wallet does not cover; absent or null: the customer\'s primary at each renewal.'))),
    metadata: Type.Optional(Metadata),
  },
  { additionalProperties: false, examples: [{ customer_id: 'cus_…', currency: 'USD', amount: 1500, interval: 'month' }] },
);

export const SubscriptionUpdateBody = Type.Object(
  {
    status: Type.Optional(
      Type.Union([Type.Literal('active'), Type.Literal('paused'), Type.Literal('cancelled')], {
        description: 'paused: pause (periods starting while paused are not billed); active: resume a paused one; cancelled: cancel now.',
      }),
    ),
    pause: Type.Optional(Type.Union([Type.Boolean(), Type.Null()], { description: 'true pauses, false resumes (as status paused / active).' })),
    cancel_at_next_billing_date: Type.Optional(Type.Union([Type.Boolean(), Type.Null()], { description: 'Cancel when the current period ends instead of renewing.' })),
    payment_method_id: Type.Optional(Nullable(Id('Coffer extension: the method later renewals and retries charge; null: the primary.'))),
    metadata: Type.Optional(Type.Union([Metadata, Type.Null()])),
  },
  { additionalProperties: false, examples: [{ cancel_at_next_billing_date: true }] },
);

export const SubscriptionChargeBody = Type.Object(
  {
    product_price: Type.Integer({ minimum: 1, maximum: entryAmountMax, description: 'The amount to charge, in minor units.' }),
    product_currency: Type.Optional(Type.Union([Currency, Type.Null()], { description: "Must be the subscription's currency when given." })),
    product_description: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: chargeDescriptionLengthMax, pattern: printableText }))),
    customer_balance_config: Type.Optional(
      Type.Union([
        Type.Object(
          {
            allow_customer_credits_usage: Type.Optional(Type.Union([Type.Boolean(), Type.Null()], { description: "false: the wallet pays nothing; true or absent: the subscription's wallet mode." })),
            allow_customer_credits_purchase: Type.Optional(Type.Union([Type.Boolean(), Type.Null()], { description: 'Accepted for compatibility; Coffer never buys credits for a charge.' })),
          },
          { additionalProperties: false },
        ),
        Type.Null(),
      ]),
    ),
    metadata: Type.Optional(Type.Union([Metadata, Type.Null()])),
  },
  { additionalProperties: false, examples: [{ product_price: 500, customer_balance_config: { allow_customer_credits_usage: true } }] },
);

export const SubscriptionIdParams = Type.Object({ subscription_id: Id('Subscription id, sub_…') }, { additionalProperties: false });

export const SubscriptionListQuery = Type.Object(
  {
    page_number: Type.Optional(Type.Integer({ minimum: 0, maximum: pageNumberMax, default: 0 })),
    page_size: Type.Optional(Type.Integer({ minimum: 1, maximum: pageSizeMax, default: pageSizeDefault })),
    customer_id: Type.Optional(Id('Only this customer')),
    status: Type.Optional(Type.Union(subscriptionStatuses.map((s) => Type.Literal(s)))),
  },
  { additionalProperties: false },
);

const TimeInterval = Type.Union([Type.Literal('Day'), Type.Literal('Week'), Type.Literal('Month'), Type.Literal('Year')]);
const Time = Type.String({ format: 'date-time' });

export const Subscription = Type.Object({
  subscription_id: Type.String(),
  business_id: Type.String(),
  brand_id: Type.String(),
  customer: Type.Object({ customer_id: Type.String(), email: Type.String(), name: Type.String(), phone_number: Nullable(Type.String()) }),
  currency: Type.String(),
  recurring_pre_tax_amount: Type.Integer({ description: 'What each period costs, in minor units.' }),
  payment_frequency_interval: TimeInterval,
  payment_frequency_count: Type.Integer(),
  subscription_period_interval: TimeInterval,
  subscription_period_count: Type.Integer(),
  status: Type.Union(subscriptionStatuses.map((s) => Type.Literal(s))),
  next_billing_date: Time,
  previous_billing_date: Time,
  cancel_at_next_billing_date: Type.Boolean(),
  cancelled_at: Type.Union([Time, Type.Null()]),
  paused_at: Type.Union([Time, Type.Null()]),
  expires_at: Type.Union([Time, Type.Null()]),
  payment_method_id: Nullable(Type.String()),
  has_payment_method: Type.Boolean(),
  metadata: Type.Record(Type.String(), Type.String()),
  product_id: Type.String(),
  quantity: Type.Integer(),
  on_demand: Type.Boolean(),
  tax_inclusive: Type.Boolean(),
  trial_period_days: Type.Integer(),
  addons: Type.Array(Type.Unknown(), { maxItems: 0 }),
  meters: Type.Array(Type.Unknown(), { maxItems: 0 }),
  discounts: Type.Array(Type.Unknown(), { maxItems: 0 }),
  credit_entitlement_cart: Type.Array(Type.Unknown(), { maxItems: 0 }),
  meter_credit_entitlement_cart: Type.Array(Type.Unknown(), { maxItems: 0 }),
  billing: Type.Object({ city: Type.String(), country: Type.String(), state: Type.String(), street: Type.String(), zipcode: Type.String() }),
  created_at: Time,
  updated_at: Time,
  // Coffer extensions.
  interval: Type.Union(billingIntervals.map((i) => Type.Literal(i))),
  interval_count: Type.Integer(),
  starts_at: Time,
  wallet: Type.Object({ mode: Type.String(), cap_amount: Type.Union([Type.Integer(), Type.Null()]) }),
  periods_billed: Type.Integer({ description: 'Coffer extension: periods paid so far (the next one to bill has this index).' }),
  dunning: Type.Union(
    [
      Type.Object({
        attempt: Type.Integer({ description: 'Retries made so far (0: only the renewal itself failed).' }),
        started_at: Time,
        next_retry_at: Type.Union([Time, Type.Null()]),
      }),
      Type.Null(),
    ],
    { description: 'Coffer extension: the dunning of the period next_billing_date, while the subscription is on_hold.' },
  ),
});

export const SubscriptionListResponse = Type.Object({ items: Type.Array(Subscription) });
export const SubscriptionChargeResponse = Type.Object({ payment_id: Type.String() });
