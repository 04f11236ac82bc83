// SQL of the lots' reads (expiry figures of a wallet, the lots listing, an entry's draws); the writer writes them.
import { sql } from 'kysely';
import { preparedQuery } from '../db/prepared.ts';
import type { CreditLotsTable } from '../db/schema.ts';
import type { Executor } from '../ledger/ledger-repo.ts';

/** What expired (not yet recorded) and what expires by windowEnd, of one wallet's active lots, by index range. */
const expiryFiguresQuery = preparedQuery(['customerId', 'currency', 'now', 'windowEnd'], (db, p) =>
  db
    .selectFrom('credit_lots')
    .select([
      sql<number | string>`coalesce(sum(case when expires_order <= ${p.now} then remaining_amount else 0 end), 0)`.as('expired'),
      sql<number | string>`coalesce(sum(case when expires_order > ${p.now} then remaining_amount else 0 end), 0)`.as('expiring'),
    ])
    .where('customer_id', '=', p.customerId)
    .where('currency', '=', p.currency)
    .where('status', '=', 'active')
    .where('expires_order', '<=', p.windowEnd),
);

const nextExpiryQuery = preparedQuery(['customerId', 'currency', 'now'], (db, p) =>
  db
    .selectFrom('credit_lots')
    .select('expires_at')
    .where('customer_id', '=', p.customerId)
    .where('currency', '=', p.currency)
    .where('status', '=', 'active')
    .where('expires_order', '>', p.now)
    .where('expires_at', 'is not', null)
    .orderBy('expires_order')
    .orderBy('category_rank')
    .orderBy('wallet_seq')
    .limit(1),
);

export interface ExpiryFigures {
  /** Remainders of lots expired by `now` whose expiration entry is not written yet. */
  expired: number;
  /** Remainders of lots expiring after `now` and by the window's end. */
  expiring: number;
  /** The earliest expires_at after `now`, or null. */
  nextExpiryAt: string | null;
}

export async function expiryFigures(db: Executor, customerId: string, currency: string, now: string, windowEnd: string): Promise<ExpiryFigures> {
  const [row] = await expiryFiguresQuery(db, { customerId, currency, now, windowEnd });
  const [next] = await nextExpiryQuery(db, { customerId, currency, now });
  return { expired: Number(row?.expired ?? 0), expiring: Number(row?.expiring ?? 0), nextExpiryAt: next?.expires_at ?? null };
}

export type LotStatusFilter = 'active' | 'expired' | 'spent';

/**
 * A customer's lots in the consumption index's order: by currency, then active lots in the order they will be spent,
 * then expired ones, then spent ones (each in the same order). `status` as the API shows it: an active lot past its
 * expiry counts as expired (it still sorts with the active ones until its expiration entry is written).
 */
export function lotsPage(
  db: Executor,
  query: { businessId: string; customerId: string; currency?: string; status?: LotStatusFilter; now: string; offset: number; limit: number },
): Promise<CreditLotsTable[]> {
  const { businessId, customerId, currency, status, now, offset, limit } = query;
  return db
    .selectFrom('credit_lots')
    .selectAll()
    .where('customer_id', '=', customerId)
    .where('business_id', '=', businessId)
    .$if(currency !== undefined, (q) => q.where('currency', '=', currency!))
    .$if(status === 'spent', (q) => q.where('status', '=', 'spent'))
    .$if(status === 'active', (q) => q.where('status', '=', 'active').where('expires_order', '>', now))
    .$if(status === 'expired', (q) =>
      q.where((eb) => eb.or([eb('status', '=', 'expired'), eb.and([eb('status', '=', 'active'), eb('expires_order', '<=', now)])])),
    )
    .orderBy('currency')
    .orderBy('status')
    .orderBy('expires_order')
    .orderBy('category_rank')
    .orderBy('wallet_seq')
    .limit(limit)
    .offset(offset)
    .execute();
}

export function entryOfCustomer(db: Executor, businessId: string, customerId: string, entryId: string) {
  return db
    .selectFrom('ledger_entries')
    .select(['id', 'is_credit', 'event_type'])
    .where('id', '=', entryId)
    .where('customer_id', '=', customerId)
    .where('business_id', '=', businessId)
    .executeTakeFirst();
}

/** What one entry drew, lot by lot, in consumption order. */
export function drawsOfEntry(db: Executor, entryId: string) {
  return db
    .selectFrom('lot_draws as d')
    .innerJoin('credit_lots as l', 'l.id', 'd.lot_id')
    .select(['d.lot_id', 'd.amount', 'l.category', 'l.expires_at', 'l.expires_order', 'l.category_rank', 'l.wallet_seq'])
    .where('d.entry_id', '=', entryId)
    .orderBy('l.expires_order')
    .orderBy('l.category_rank')
    .orderBy('l.wallet_seq')
    .execute();
}
