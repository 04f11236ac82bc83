// The events of subscriptions, written in the transaction of the change they report: subscription.* with the
// subscription in Dodo's shape, dunning.* with the attempt (data.payload_type "DunningAttempt").
import type { Transaction } from 'kysely';
import * as billingRepo from '../billing/billing-repo.ts';
import type { Database, SubscriptionsTable } from '../db/schema.ts';
import { eventRow } from '../outbox/event-row.ts';
import type { OutboxEventType } from '../outbox/event-types.ts';
import { insertEvents } from '../outbox/outbox-repo.ts';
import { type IdGenerator, idPrefixes } from '../shared/ids.ts';
import * as repo from './subscription-repo.ts';
import { type WireSubscription, toWireSubscription } from './subscription-wire.ts';

export async function wireSubscription(db: repo.Executor, row: SubscriptionsTable): Promise<WireSubscription> {
  const customer = await billingRepo.paymentCustomer(db, row.business_id, row.customer_id);
  return toWireSubscription(row, customer ?? { id: row.customer_id, email: '', name: '', phone_number: null });
}

export interface DunningDetail {
  invoiceId: string;
  paymentId: string | null;
  attempt: number;
  nextRetryAt: string | null;
}

/** Writes `types` for the subscription as it stands now in `trx` (read again, so the events show the change). */
export async function subscriptionEvents(
  trx: Transaction<Database>,
  deps: { newId: IdGenerator; now: string },
  businessId: string,
  subscriptionId: string,
  types: readonly OutboxEventType[],
  dunning?: DunningDetail,
): Promise<void> {
  if (types.length === 0) return;
  const row = await repo.subscriptionById(trx, businessId, subscriptionId);
  if (!row) throw new Error(`subscription ${subscriptionId} vanished inside its own transaction`);
  const wire = await wireSubscription(trx, row);
  await insertEvents(
    trx,
    types.map((type) => {
      const data: { payload_type: string } & Record<string, unknown> = type.startsWith('dunning.')
        ? {
            payload_type: 'DunningAttempt',
            subscription_id: row.id,
            customer_id: row.customer_id,
            invoice_id: dunning?.invoiceId ?? '',
            payment_id: dunning?.paymentId ?? null,
            attempt: dunning?.attempt ?? 0,
            next_retry_at: dunning?.nextRetryAt ?? null,
            subscription: wire,
          }
        : { payload_type: 'Subscription', ...wire };
      return eventRow({ id: deps.newId(idPrefixes.event), businessId, type, customerId: row.customer_id, createdAt: deps.now, data });
    }),
  );
}
