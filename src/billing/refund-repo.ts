// SQL of refunds and disputes. Money never moves here: wallet parts go through the ledger writer, card parts through
// the processor; these rows record the steps, and the payment's refunded amounts grow by conditional updates.
import type { Kysely, Transaction } from 'kysely';
import type { Database, DisputesTable, PaymentsTable, RefundsTable } from '../db/schema.ts';

export type Executor = Kysely<Database> | Transaction<Database>;

export function refundById(db: Executor, businessId: string, id: string): Promise<RefundsTable | undefined> {
  return db.selectFrom('refunds').selectAll().where('id', '=', id).where('business_id', '=', businessId).executeTakeFirst();
}

export function refundByKey(db: Executor, businessId: string, key: string): Promise<RefundsTable | undefined> {
  return db.selectFrom('refunds').selectAll().where('business_id', '=', businessId).where('idempotency_key', '=', key).executeTakeFirst();
}

export function disputeById(db: Executor, businessId: string, id: string): Promise<DisputesTable | undefined> {
  return db.selectFrom('disputes').selectAll().where('id', '=', id).where('business_id', '=', businessId).executeTakeFirst();
}

export interface RefundPage {
  pageNumber: number;
  pageSize: number;
  customerId?: string;
  paymentId?: string;
  status?: string;
  createdAtGte?: string;
  createdAtLte?: string;
}

/** Newest first (ids are time-ordered). */
export function listRefunds(db: Executor, businessId: string, page: RefundPage): Promise<RefundsTable[]> {
  let query = db.selectFrom('refunds').selectAll().where('business_id', '=', businessId);
  if (page.customerId !== undefined) query = query.where('customer_id', '=', page.customerId);
  if (page.paymentId !== undefined) query = query.where('payment_id', '=', page.paymentId);
  if (page.status !== undefined) query = query.where('status', '=', page.status as RefundsTable['status']);
  if (page.createdAtGte !== undefined) query = query.where('created_at', '>=', page.createdAtGte);
  if (page.createdAtLte !== undefined) query = query.where('created_at', '<=', page.createdAtLte);
  return query.orderBy('id', 'desc').limit(page.pageSize).offset(page.pageNumber * page.pageSize).execute();
}

/**
 * Takes `fromWallet` and `fromMethod` off what is left to refund of a succeeded payment, if the payment still stands
 * as it was read (compare and set): false when a concurrent refund moved it first (read again and decide again).
 */
export async function takeRefundable(db: Executor, payment: PaymentsTable, fromWallet: number, fromMethod: number, now: string): Promise<boolean> {
  const result = await db
    .updateTable('payments')
    .set({ refunded_wallet_amount: Number(payment.refunded_wallet_amount) + fromWallet, refunded_method_amount: Number(payment.refunded_method_amount) + fromMethod, updated_at: now })
    .where('id', '=', payment.id)
    .where('status', '=', 'succeeded')
    .where('refunded_wallet_amount', '=', payment.refunded_wallet_amount)
    .where('refunded_method_amount', '=', payment.refunded_method_amount)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** The lots an entry drew from, in the order the wallet spends them (soonest expiry first, then by lot id). */
export function drawsOf(db: Executor, entryId: string): Promise<Array<{ lot_id: string; amount: number; expires_at: string | null; category: 'paid' | 'promotional' }>> {
  return db
    .selectFrom('lot_draws')
    .innerJoin('credit_lots', 'credit_lots.id', 'lot_draws.lot_id')
    .select(['lot_draws.lot_id', 'lot_draws.amount', 'credit_lots.expires_at', 'credit_lots.category'])
    .where('lot_draws.entry_id', '=', entryId)
    .orderBy('credit_lots.expires_order')
    .orderBy('lot_draws.lot_id')
    .execute();
}

/** What earlier refunds of the payment (by id) took from its wallet part: where this refund's lots start. */
export async function walletRefundedBefore(db: Executor, paymentId: string, refundId: string): Promise<number> {
  const row = await db.selectFrom('refunds').select((eb) => eb.fn.sum<number>('from_wallet_amount').as('total')).where('payment_id', '=', paymentId).where('id', '<', refundId).where('status', '!=', 'failed').executeTakeFirst();
  return Number(row?.total ?? 0);
}

export function recordResult(db: Executor, businessId: string, scope: string, key: string): Promise<{ result_id: string | null } | undefined> {
  return db.selectFrom('idempotency_records').select('result_id').where('business_id', '=', businessId).where('scope', '=', scope).where('key', '=', key).executeTakeFirst();
}
