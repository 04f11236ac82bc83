// SQL of the lots' reads (expiry figures of a wallet, the lots listing, an entry's draws); the writer writes them.
// A lot is stored (credit_lots) or, for paid money that never expires, derived from its credit's place in the wallet's
// pool (migration 0019): its remainder is what the pool's consumed mark (pool_out + pool_held) has not reached of it.
import { type RawBuilder, sql } from 'kysely';
import { preparedQuery } from '../db/prepared.ts';
import type { CreditLotsTable } from '../db/schema.ts';
import type { Executor } from '../ledger/ledger-repo.ts';
import { idPrefixes } from '../shared/ids.ts';
import { neverExpiresOrder } from './lot-order.ts';

/** The id of a pool credit's lot: its entry's id under the lot prefix (lot_… as stored lots; never expired by id). */
export const poolLotId = (entryId: string): string => `${idPrefixes.creditLot}_${entryId.slice(idPrefixes.ledgerEntry.length + 1)}`;
const poolLotIdSql = (entryId: RawBuilder<unknown>) => sql<string>`${sql.lit(idPrefixes.creditLot + '_')} || substr(${entryId}, ${sql.lit(idPrefixes.ledgerEntry.length + 2)})`;

/** Within [0, amount]: what of a pool credit the consumed mark has not reached (both stores; no greatest/least). */
const clampSql = (value: RawBuilder<number>, amount: RawBuilder<number>) =>
  sql<number>`case when ${value} <= 0 then 0 when ${value} >= ${amount} then ${amount} else ${value} end`;

/**
 * The lots of pool credits, in credit_lots' columns: one per credit of paid money that never expires, active while
 * the wallet's consumed mark has not passed its end. Rows of one customer (and currency, if given).
 */
function poolLots(businessId: string, customerId: string, currency: string | undefined) {
  const left = sql<number>`e.pool_offset + e.amount - (w.pool_out + w.pool_held)`;
  return sql`
    select ${poolLotIdSql(sql`e.id`)} as id, e.business_id, e.customer_id, e.currency, e.amount,
           ${clampSql(left, sql`e.amount`)} as remaining_amount, 0 as expired_amount, 'paid' as category, 1 as category_rank,
           null as expires_at, ${sql.lit(neverExpiresOrder)} as expires_order, case when ${left} > 0 then 'active' else 'spent' end as status,
           e.wallet_seq, e.id as source_entry_id, null as expiry_entry_id, null as notice_sent_at, e.created_at, e.created_at as updated_at
      from ledger_entries e join wallets w on w.customer_id = e.customer_id and w.currency = e.currency
     where e.customer_id = ${customerId} and e.business_id = ${businessId} and e.is_credit = 1 and e.pool_offset is not null
       ${currency === undefined ? sql`` : sql`and e.currency = ${currency}`}`;
}

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
export async function lotsPage(
  db: Executor,
  query: { businessId: string; customerId: string; currency?: string; status?: LotStatusFilter; now: string; offset: number; limit: number },
): Promise<CreditLotsTable[]> {
  const { businessId, customerId, currency, status, now, offset, limit } = query;
  const columns = sql.raw(lotColumns.join(', '));
  const filter =
    status === 'spent'
      ? sql`where status = 'spent'`
      : status === 'active'
        ? sql`where status = 'active' and expires_order > ${now}`
        : status === 'expired'
          ? sql`where status = 'expired' or (status = 'active' and expires_order <= ${now})`
          : sql``;
  // Pool credits' lots are paid and never expire: within each status they sort after every stored lot but legacy
  // paid ones (older, so before them by wallet_seq), as the consumption order has it.
  const { rows } = await sql<CreditLotsTable>`
    select ${columns} from (
      select ${columns} from credit_lots
       where customer_id = ${customerId} and business_id = ${businessId} ${currency === undefined ? sql`` : sql`and currency = ${currency}`}
      union all
      ${poolLots(businessId, customerId, currency)}
    ) l ${filter}
    order by currency, status, expires_order, category_rank, wallet_seq
    limit ${limit} offset ${offset}`.execute(db);
  return rows;
}

const lotColumns = [
  'id', 'business_id', 'customer_id', 'currency', 'amount', 'remaining_amount', 'expired_amount', 'category', 'category_rank',
  'expires_at', 'expires_order', 'status', 'wallet_seq', 'source_entry_id', 'expiry_entry_id', 'notice_sent_at', 'created_at', 'updated_at',
] as const;

export function entryOfCustomer(db: Executor, businessId: string, customerId: string, entryId: string) {
  return db
    .selectFrom('ledger_entries')
    .select(['id', 'is_credit', 'event_type'])
    .where('id', '=', entryId)
    .where('customer_id', '=', customerId)
    .where('business_id', '=', businessId)
    .executeTakeFirst();
}

export interface EntryDraw {
  lot_id: string;
  amount: number;
  category: 'paid' | 'promotional';
  expires_at: string | null;
}

/**
 * What one entry drew, lot by lot, in consumption order: its stored draws, then what it took from the pool (the pool
 * credits its range [pool_offset, pool_offset + pool_amount) overlaps, oldest first).
 */
export async function drawsOfEntry(db: Executor, entryId: string): Promise<EntryDraw[]> {
  const stored = await db
    .selectFrom('lot_draws as d')
    .innerJoin('credit_lots as l', 'l.id', 'd.lot_id')
    .select(['d.lot_id', 'd.amount', 'l.category', 'l.expires_at'])
    .where('d.entry_id', '=', entryId)
    .orderBy('l.expires_order')
    .orderBy('l.category_rank')
    .orderBy('l.wallet_seq')
    .execute();
  const fromPool = sql<number>`min_end - max_start`;
  const { rows } = await sql<{ entry_id: string; amount: number }>`
    select entry_id, ${fromPool} as amount from (
      select c.id as entry_id, c.wallet_seq,
             case when c.pool_offset + c.amount < d.pool_offset + d.pool_amount then c.pool_offset + c.amount else d.pool_offset + d.pool_amount end as min_end,
             case when c.pool_offset > d.pool_offset then c.pool_offset else d.pool_offset end as max_start
        from ledger_entries d join ledger_entries c on c.customer_id = d.customer_id and c.currency = d.currency
       where d.id = ${entryId} and d.is_credit = 0 and d.pool_offset is not null
         and c.is_credit = 1 and c.pool_offset is not null and c.wallet_seq < d.wallet_seq
         and c.pool_offset < d.pool_offset + d.pool_amount and c.pool_offset + c.amount > d.pool_offset
    ) o order by wallet_seq`.execute(db);
  return [
    ...stored.map((d) => ({ lot_id: d.lot_id, amount: Number(d.amount), category: d.category, expires_at: d.expires_at })),
    ...rows.map((r) => ({ lot_id: poolLotId(r.entry_id), amount: Number(r.amount), category: 'paid' as const, expires_at: null })),
  ];
}
