// The events Coffer emits, as wire schemas: the envelope of each type with its typed `data` (in the OpenAPI document).
import { type TSchema, Type } from '@sinclair/typebox';
import { Customer } from '../customers/customer-schemas.ts';
import { Invoice, Payment } from '../billing/billing-schemas.ts';
import { Dispute, Refund } from '../billing/refund-schemas.ts';
import { Hold } from '../holds/hold-schemas.ts';
import { CustomerWallet, CustomerWalletTransaction } from '../ledger/ledger-schemas.ts';
import { AutoRechargeAttempt, AutoRechargeSettings } from '../recharges/recharge-schemas.ts';
import { Subscription } from '../subscriptions/subscription-schemas.ts';
import { type OutboxEventType, outboxEventTypes, payloadTypeOf } from './event-types.ts';

const WalletEntryData = Type.Object({
  payload_type: Type.Literal('WalletEntry'),
  entry: CustomerWalletTransaction,
  wallet: Type.Object(CustomerWallet.properties, { description: 'The wallet just after the entry.' }),
  wallet_seq: Type.Integer({
    minimum: 1,
    description: "The entry's position among its wallet's entries (1, 2, 3, …): order events by it and detect gaps.",
  }),
});

const WalletLowBalanceData = Type.Object({
  payload_type: Type.Literal('WalletLowBalance'),
  customer_id: Type.String(),
  currency: Type.String(),
  balance: Type.Integer({ description: 'The balance after the entry that crossed below the threshold, in minor units.' }),
  threshold: Type.Integer({ description: 'The threshold in force for the wallet, in minor units.' }),
  entry_id: Type.String({ description: 'The entry that crossed it.' }),
  wallet_seq: Type.Integer({ minimum: 1 }),
});

const lotFields = {
  customer_id: Type.String(),
  currency: Type.String(),
  lot_id: Type.String({ description: 'lot_…: the lot (GET /customers/{id}/wallets/lots).' }),
  category: Type.Union([Type.Literal('paid'), Type.Literal('promotional')]),
  expires_at: Type.String({ format: 'date-time' }),
};

const WalletCreditsExpiringData = Type.Object({
  payload_type: Type.Literal('WalletCreditsExpiring'),
  ...lotFields,
  amount: Type.Integer({ minimum: 1, description: 'What is left of the lot, in minor units: what expires unless spent first.' }),
});

const WalletCreditsExpiredData = Type.Object({
  payload_type: Type.Literal('WalletCreditsExpired'),
  ...lotFields,
  amount: Type.Integer({ minimum: 1, description: 'What expired, in minor units (the expiration entry amount).' }),
  entry_id: Type.String({ description: 'The expiration entry (event_type "expiration", reference_object_id the lot id).' }),
  wallet_seq: Type.Integer({ minimum: 1, description: "The expiration entry's wallet_seq." }),
  balance: Type.Integer({ description: 'The balance just after the expiration, in minor units.' }),
});

const WalletDepletionForecastData = Type.Object({
  payload_type: Type.Literal('WalletDepletionForecast'),
  customer_id: Type.String(),
  currency: Type.String(),
  balance: Type.Integer({ description: 'The balance when the forecast was made, in minor units.' }),
  burn_rate_per_day: Type.Integer({ description: 'What the wallet spent per day over the trailing window, in minor units.' }),
  window_days: Type.Integer({ minimum: 1 }),
  projected_depletion_at: Type.String({ format: 'date-time', description: 'When the balance runs out at that rate.' }),
  horizon_days: Type.Integer({ minimum: 1, description: 'COFFER_FORECAST_HORIZON_DAYS: the event fires once as the projection comes within it.' }),
  confidence: Type.Union([Type.Literal('high'), Type.Literal('low')]),
  reasons: Type.Array(Type.Union([Type.Literal('too_little_history'), Type.Literal('irregular_spend'), Type.Literal('recent_top_up')])),
});

const AutoRechargeAttemptData = Type.Object({
  payload_type: Type.Literal('AutoRechargeAttempt'),
  ...AutoRechargeAttempt.properties,
  declines: Type.Integer({ minimum: 0, description: 'Failed recharges in a row after this one (0 after a success).' }),
  backoff_until: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { description: 'After a failure: no recharge starts before this.' }),
});
const AutoRechargeSettingsData = Type.Object({
  payload_type: Type.Literal('AutoRechargeSettings'),
  ...AutoRechargeSettings.properties,
  attempt_id: Type.String({ description: 'The failed recharge that turned it off (arc_…).' }),
});

const CustomerData = Type.Object({ payload_type: Type.Literal('Customer'), ...Customer.properties });

const HoldData = Type.Object({ payload_type: Type.Literal('Hold'), ...Hold.properties });
const PaymentData = Type.Object({ payload_type: Type.Literal('Payment'), ...Payment.properties });
const InvoiceData = Type.Object({ payload_type: Type.Literal('Invoice'), ...Invoice.properties });
const RefundData = Type.Object({ payload_type: Type.Literal('Refund'), ...Refund.properties });
const DisputeData = Type.Object({ payload_type: Type.Literal('Dispute'), ...Dispute.properties });

const SubscriptionData = Type.Object({ payload_type: Type.Literal('Subscription'), ...Subscription.properties });
const DunningAttemptData = Type.Object({
  payload_type: Type.Literal('DunningAttempt'),
  subscription_id: Type.String(),
  customer_id: Type.String(),
  invoice_id: Type.String({ description: 'The renewal invoice being collected.' }),
  payment_id: Type.Union([Type.String(), Type.Null()], { description: 'The payment that failed (dunning.started) or recovered it (dunning.recovered).' }),
  attempt: Type.Integer({ description: 'Retries made before this event (0 at dunning.started).' }),
  next_retry_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  subscription: Subscription,
});

const dataOf: { readonly [T in OutboxEventType]: TSchema } = {
  'customer.created': CustomerData,
  'wallet.credited': WalletEntryData,
  'wallet.debited': WalletEntryData,
  'wallet.low_balance': WalletLowBalanceData,
  'wallet.credits_expiring': WalletCreditsExpiringData,
  'wallet.credits_expired': WalletCreditsExpiredData,
  'wallet.depletion_forecast': WalletDepletionForecastData,
  'wallet.auto_recharge.succeeded': AutoRechargeAttemptData,
  'wallet.auto_recharge.failed': AutoRechargeAttemptData,
  'wallet.auto_recharge.disabled': AutoRechargeSettingsData,
  'hold.created': HoldData,
  'hold.captured': HoldData,
  'hold.released': HoldData,
  'hold.expired': HoldData,
  'payment.processing': PaymentData,
  'payment.succeeded': PaymentData,
  'payment.failed': PaymentData,
  'invoice.paid': InvoiceData,
  'invoice.payment_failed': InvoiceData,
  'refund.succeeded': RefundData,
  'refund.failed': RefundData,
  'dispute.opened': DisputeData,
  'dispute.won': DisputeData,
  'dispute.lost': DisputeData,
  'subscription.active': SubscriptionData,
  'subscription.renewed': SubscriptionData,
  'subscription.on_hold': SubscriptionData,
  'subscription.paused': SubscriptionData,
  'subscription.cancelled': SubscriptionData,
  'subscription.failed': SubscriptionData,
  'subscription.expired': SubscriptionData,
  'dunning.started': DunningAttemptData,
  'dunning.recovered': DunningAttemptData,
};

const schemaName = (type: string) =>
  `${type
    .split(/[._]/)
    .map((part) => part[0].toUpperCase() + part.slice(1))
    .join('')}Event`;

/** One envelope schema per event type, as delivered (the feed adds `id`, the webhook-id). */
export const eventSchemas = outboxEventTypes.map((type) =>
  Type.Object(
    {
      id: Type.String({ description: 'evt_…: the webhook-id every delivery of this event carries.' }),
      business_id: Type.String(),
      type: Type.Literal(type),
      timestamp: Type.String({ format: 'date-time', description: 'When the change committed.' }),
      data: dataOf[type],
    },
    { title: schemaName(type), description: `${type}: data.payload_type is ${payloadTypeOf[type]}.` },
  ),
);

export const AnyEvent = Type.Union(eventSchemas);

/**
 * The OpenAPI 3.1 `webhooks` object: one entry per event type, the request Coffer sends to an endpoint (the feed's
 * item without `id`, which travels in the webhook-id header).
 */
export function openApiWebhooks(): Record<string, object> {
  return Object.fromEntries(
    eventSchemas.map((schema) => {
      const { id: _id, ...properties } = schema.properties;
      const body = Type.Object(properties, { title: schema.title, description: schema.description });
      const operation = {
        summary: schema.description,
        tags: ['Webhook events'],
        parameters: ['webhook-id', 'webhook-timestamp', 'webhook-signature'].map((name) => ({ name, in: 'header', required: true, schema: { type: 'string' } })),
        requestBody: { required: true, content: { 'application/json': { schema: body } } },
        responses: { '2XX': { description: 'Any 2xx acknowledges the event; 410 disables the endpoint; anything else is retried.' } },
      };
      return [schema.properties.type.const, { post: operation }];
    }),
  );
}
