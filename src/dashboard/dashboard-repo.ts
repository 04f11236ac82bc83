// The dashboard's reads that no service answers yet: ledger filters by event type and date, a wallet's entries over a
// window (for the trend chart), wallets below their low-balance threshold, the newest events and a payment's disputes.
// Reads only.
import type { Kysely } from 'kysely';
import type { Database, LedgerEntriesTable } from '../db/schema.ts';

export interface EntryFilter {
  currency?: string;
  eventType?: string;
  /** Inclusive ISO timestamps. */
  createdAtGte?: string;
  createdAtLt?: string;
}

/** Newest first; `limit + 1` rows are read so that the caller knows whether another page follows. */
export function filteredEntries(db: Kysely<Database>, businessId: string, customerId: string, filter: EntryFilter, page: { offset: number; limit: number }): Promise<LedgerEntriesTable[]> {
  let query = db.selectFrom('ledger_entries').selectAll().where('customer_id', '=', customerId).where('business_id', '=', businessId);
  if (filter.currency !== undefined) query = query.where('currency', '=', filter.currency);
  if (filter.eventType !== undefined) query = query.where('event_type', '=', filter.eventType);
  if (filter.createdAtGte !== undefined) query = query.where('created_at', '>=', filter.createdAtGte);
  if (filter.createdAtLt !== undefined) query = query.where('created_at', '<', filter.createdAtLt);
  return query.orderBy('customer_seq', 'desc').offset(page.offset).limit(page.limit + 1).execute();
}

export interface LowWallet {
  customer_id: string;
  email: string;
  name: string;
  currency: string;
  balance: number;
  threshold: number;
  source: 'wallet' | 'business_default';
}

/** Wallets whose balance is below the threshold in force (the wallet's own, else the business default), lowest first. */
export async function walletsBelowThreshold(db: Kysely<Database>, businessId: string, page: { offset: number; limit: number }): Promise<LowWallet[]> {
  const rows = await db
    .selectFrom('wallets as w')
    .innerJoin('customers as c', 'c.id', 'w.customer_id')
    .leftJoin('low_balance_thresholds as t', (join) => join.onRef('t.customer_id', '=', 'w.customer_id').onRef('t.currency', '=', 'w.currency'))
    .leftJoin('low_balance_defaults as d', (join) => join.onRef('d.business_id', '=', 'w.business_id').onRef('d.currency', '=', 'w.currency'))
    .select(['w.customer_id', 'c.email', 'c.name', 'w.currency', 'w.balance', 't.amount as own', 'd.amount as fallback'])
    .where('w.business_id', '=', businessId)
    .where((eb) => eb.or([eb.and([eb('t.amount', 'is not', null), eb('w.balance', '<', eb.ref('t.amount'))]), eb.and([eb('t.amount', 'is', null), eb('d.amount', 'is not', null), eb('w.balance', '<', eb.ref('d.amount'))])]))
    .orderBy('w.balance')
    .orderBy('w.customer_id')
    .orderBy('w.currency')
    .offset(page.offset)
    .limit(page.limit + 1)
    .execute();
  return rows.map((row) => ({
    customer_id: row.customer_id,
    email: row.email,
    name: row.name,
    currency: row.currency,
    balance: Number(row.balance),
    threshold: Number(row.own ?? row.fallback),
    source: row.own !== null ? 'wallet' : 'business_default',
  }));
}

/** The business's newest events in the feed (the feed itself reads oldest first, from a cursor). */
export async function newestEvents(db: Kysely<Database>, businessId: string, limit: number) {
  return db
    .selectFrom('events')
    .select(['id', 'type', 'customer_id', 'created_at', 'feed_seq', 'data'])
    .where('business_id', '=', businessId)
    .where('feed_seq', 'is not', null)
    .orderBy('feed_seq', 'desc')
    .limit(limit)
    .execute();
}

/** Most disputes of one payment the payment's page shows. */
export const disputesOfPaymentMax = 50;

export interface PaymentDispute {
  dispute_id: string;
  created_at: string;
  kind: 'dispute' | 'reversal';
  /** As stored: `opening` while its hold is being placed, `reversed` for a reversal (taken at once). */
  status: 'opening' | 'open' | 'won' | 'lost' | 'reversed';
  amount: number;
  held_amount: number;
  taken_amount: number;
  shortfall_amount: number;
  reason: string | null;
}

/** A payment's disputes and reversals, newest first (DisputeService reads one at a time and lists none). */
export async function disputesOfPayment(db: Kysely<Database>, businessId: string, paymentId: string): Promise<PaymentDispute[]> {
  const rows = await db.selectFrom('disputes').selectAll().where('business_id', '=', businessId).where('payment_id', '=', paymentId).orderBy('id', 'desc').limit(disputesOfPaymentMax).execute();
  return rows.map((row) => ({
    dispute_id: row.id,
    created_at: row.created_at,
    kind: row.kind,
    status: row.status,
    amount: Number(row.amount),
    held_amount: Number(row.held_amount),
    taken_amount: Number(row.taken_amount),
    shortfall_amount: Number(row.shortfall_amount),
    reason: row.reason,
  }));
}
