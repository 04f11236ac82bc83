// SQL of subscriptions. Money never moves here: renewals are invoices paid by billing (src/billing/); these rows
// record which period is next and where dunning stands. Every state change is a conditional update (the row's status
// and period as read), so two processes acting on one subscription change it once.
import type { Kysely, Transaction } from 'kysely';
import type { Database, SubscriptionsTable } from '../db/schema.ts';

export type Executor = Kysely<Database> | Transaction<Database>;

export function subscriptionById(db: Executor, businessId: string, id: string): Promise<SubscriptionsTable | undefined> {
  return db.selectFrom('subscriptions').selectAll().where('id', '=', id).where('business_id', '=', businessId).executeTakeFirst();
}

export interface SubscriptionPage {
  pageNumber: number;
  pageSize: number;
  customerId?: string;
  status?: SubscriptionsTable['status'];
}

/** Newest first (ids are time-ordered). */
export function listSubscriptions(db: Executor, businessId: string, page: SubscriptionPage): Promise<SubscriptionsTable[]> {
  let query = db.selectFrom('subscriptions').selectAll().where('business_id', '=', businessId);
  if (page.customerId !== undefined) query = query.where('customer_id', '=', page.customerId);
  if (page.status !== undefined) query = query.where('status', '=', page.status);
  return query.orderBy('id', 'desc').limit(page.pageSize).offset(page.pageNumber * page.pageSize).execute();
}

/**
 * Applies `changes` if the subscription still stands where it was read (status, period, dunning attempt); false when
 * another run changed it first.
 */
export async function moveSubscription(
  db: Executor,
  from: Pick<SubscriptionsTable, 'id' | 'status' | 'next_period_index' | 'dunning_attempt'>,
  changes: Partial<SubscriptionsTable>,
): Promise<boolean> {
  const result = await db
    .updateTable('subscriptions')
    .set(changes)
    .where('id', '=', from.id)
    .where('status', '=', from.status)
    .where('next_period_index', '=', from.next_period_index)
    .where('dunning_attempt', '=', from.dunning_attempt)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}
