// The events Coffer emits: one name per kind of change, each with its payload type (the envelope's data.payload_type).
// A feature adds its events here; endpoints subscribe by these names (filter_types) and the docs list each one.

export const outboxEventTypes = [
  'customer.created',
  'wallet.credited',
  'wallet.debited',
  'wallet.low_balance',
  'wallet.credits_expiring',
  'wallet.credits_expired',
  'wallet.depletion_forecast',
  'hold.created',
  'hold.captured',
  'hold.released',
  'hold.expired',
  'payment.processing',
  'payment.succeeded',
  'payment.failed',
  'invoice.paid',
  'invoice.payment_failed',
  'refund.succeeded',
  'refund.failed',
  'dispute.opened',
  'dispute.won',
  'dispute.lost',
  'subscription.active',
  'subscription.renewed',
  'subscription.on_hold',
  'subscription.paused',
  'subscription.cancelled',
  'subscription.failed',
  'subscription.expired',
  'dunning.started',
  'dunning.recovered',
] as const;
export type OutboxEventType = (typeof outboxEventTypes)[number];

/** The `data.payload_type` of each event type. */
export const payloadTypeOf: { readonly [T in OutboxEventType]: string } = {
  'customer.created': 'Customer',
  'wallet.credited': 'WalletEntry',
  'wallet.debited': 'WalletEntry',
  'wallet.low_balance': 'WalletLowBalance',
  'wallet.credits_expiring': 'WalletCreditsExpiring',
  'wallet.credits_expired': 'WalletCreditsExpired',
  'wallet.depletion_forecast': 'WalletDepletionForecast',
  'hold.created': 'Hold',
  'hold.captured': 'Hold',
  'hold.released': 'Hold',
  'hold.expired': 'Hold',
  'payment.processing': 'Payment',
  'payment.succeeded': 'Payment',
  'payment.failed': 'Payment',
  'invoice.paid': 'Invoice',
  'invoice.payment_failed': 'Invoice',
  'refund.succeeded': 'Refund',
  'refund.failed': 'Refund',
  'dispute.opened': 'Dispute',
  'dispute.won': 'Dispute',
  'dispute.lost': 'Dispute',
  'subscription.active': 'Subscription',
  'subscription.renewed': 'Subscription',
  'subscription.on_hold': 'Subscription',
  'subscription.paused': 'Subscription',
  'subscription.cancelled': 'Subscription',
  'subscription.failed': 'Subscription',
  'subscription.expired': 'Subscription',
  'dunning.started': 'DunningAttempt',
  'dunning.recovered': 'DunningAttempt',
};

export function isOutboxEventType(value: string): value is OutboxEventType {
  return (outboxEventTypes as readonly string[]).includes(value);
}
