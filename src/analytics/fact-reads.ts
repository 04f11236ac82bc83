// Reads day facts exactly: the rollup rows (everything up to each wallet's cursor) plus the entries after each
// wallet's cursor, bucketed at read time. Run inside one snapshot (readSnapshot) so rows and cursors agree.
import { type Kysely, type Transaction, sql } from 'kysely';
import type { StoreKind } from '../config/config.ts';
import type { Database } from '../db/schema.ts';
import { type DayFact, addEntryFacts, factKey } from './day-facts.ts';
import { type WalletRef, lastSeqBefore, promotionalDeltas, streamEntries, walletRangesEntries, walletsPerQueryMax } from './entry-reads.ts';
import { dayStartMs } from './zone-days.ts';

type Executor = Kysely<Database> | Transaction<Database>;

/** One consistent view of rollups, cursors and entries: repeatable read on PostgreSQL, a read transaction on SQLite. */
export function readSnapshot<T>(db: Kysely<Database>, store: StoreKind, work: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
  const builder = store === 'postgres' ? db.transaction().setIsolationLevel('repeatable read') : db.transaction();
  return builder.execute(work);
}

export interface FactScope {
  businessId: string;
  /** One wallet only (trends, forecasts); the whole business when absent. */
  wallet?: WalletRef;
  currency?: string;
  /** Local days, from inclusive, to exclusive; absent: unbounded. */
  fromDay?: string;
  toDay?: string;
}

/** How the facts come back: per day, per customer (over the whole range), or over the whole range. */
export type FactGrouping = 'day' | 'customer' | 'range' | 'wallet_day';

const project = (f: DayFact, grouping: FactGrouping): DayFact => ({
  ...f,
  customerId: grouping === 'customer' || grouping === 'wallet_day' ? f.customerId : '',
  day: grouping === 'day' || grouping === 'wallet_day' ? f.day : '',
});

function merge(into: Map<string, DayFact>, fact: DayFact): void {
  const key = factKey(fact);
  const existing = into.get(key);
  if (!existing) into.set(key, { ...fact });
  else {
    existing.creditAmount += fact.creditAmount;
    existing.debitAmount += fact.debitAmount;
    existing.entryCount += fact.entryCount;
    existing.promotionalDelta += fact.promotionalDelta;
  }
}

/**
 * `months`: the caller needs no finer bucket than a month (top customers), so whole months of wallet rows may
 * come from the month rollups. Business-wide facts per day or over the range come from the business's day rollups.
 * `tailSearchFromEntries`: see tailFacts (tests pass 0 and Infinity to check both ways agree).
 */
export async function readFacts(
  trx: Executor,
  scope: FactScope,
  zone: string,
  grouping: FactGrouping,
  months = false,
  tailSearchFromEntries = tailSearchEntriesMin,
): Promise<DayFact[]> {
  const merged = new Map<string, DayFact>();
  const business = !scope.wallet && (grouping === 'day' || grouping === 'range');
  for (const f of await (business ? businessRollupRows(trx, scope, grouping) : rollupFacts(trx, scope, grouping, months))) merge(merged, f);
  for (const f of await tailFacts(trx, scope, zone, tailSearchFromEntries)) merge(merged, project(f, grouping));
  return [...merged.values()];
}

/** The first day of the month after the one `day` falls in. */
const nextMonthStart = (day: string) => {
  const [year, month] = [Number(day.slice(0, 4)), Number(day.slice(5, 7))];
  return month === 12 ? `${String(year + 1).padStart(4, '0')}-01-01` : `${day.slice(0, 4)}-${String(month + 1).padStart(2, '0')}-01`;
};

/**
 * The rollup rows of the range: with `months`, whole months come from wallet_month_rollups (their facts carry the
 * month's first day as `day`) and only the days of a partial first or last month from wallet_day_rollups.
 */
async function rollupFacts(trx: Executor, scope: FactScope, grouping: FactGrouping, months: boolean): Promise<DayFact[]> {
  if (!months) return rollupRows(trx, 'wallet_day_rollups', 'day', scope, scope.fromDay, scope.toDay, grouping);
  const firstMonth = scope.fromDay === undefined ? undefined : scope.fromDay.endsWith('-01') ? scope.fromDay : nextMonthStart(scope.fromDay);
  const endMonth = scope.toDay === undefined ? undefined : `${scope.toDay.slice(0, 7)}-01`;
  if (firstMonth !== undefined && endMonth !== undefined && firstMonth >= endMonth) {
    return rollupRows(trx, 'wallet_day_rollups', 'day', scope, scope.fromDay, scope.toDay, grouping);
  }
  const facts = await rollupRows(trx, 'wallet_month_rollups', 'month', scope, firstMonth, endMonth, grouping);
  if (scope.fromDay !== undefined && firstMonth !== undefined && scope.fromDay < firstMonth) {
    facts.push(...(await rollupRows(trx, 'wallet_day_rollups', 'day', scope, scope.fromDay, firstMonth, grouping)));
  }
  if (scope.toDay !== undefined && endMonth !== undefined && endMonth < scope.toDay) {
    facts.push(...(await rollupRows(trx, 'wallet_day_rollups', 'day', scope, endMonth, scope.toDay, grouping)));
  }
  return facts;
}

async function rollupRows(
  trx: Executor,
  table: 'wallet_day_rollups' | 'wallet_month_rollups',
  column: 'day' | 'month',
  scope: FactScope,
  from: string | undefined,
  to: string | undefined,
  grouping: FactGrouping,
): Promise<DayFact[]> {
  // One query shape over either table (the same columns but for the bucket's name).
  const db = trx as unknown as Kysely<any>;
  let query = db
    .selectFrom(table)
    .select((eb) => [
      'currency',
      'event_type',
      eb.fn.sum<number>('credit_amount').as('credit_amount'),
      eb.fn.sum<number>('debit_amount').as('debit_amount'),
      eb.fn.sum<number>('entry_count').as('entry_count'),
      eb.fn.sum<number>('promotional_delta').as('promotional_delta'),
    ])
    .where('business_id', '=', scope.businessId)
    .groupBy(['currency', 'event_type']);
  if (scope.wallet) query = query.where('customer_id', '=', scope.wallet.customerId).where('currency', '=', scope.wallet.currency);
  if (scope.currency) query = query.where('currency', '=', scope.currency);
  if (from !== undefined) query = query.where(column, '>=', from);
  if (to !== undefined) query = query.where(column, '<', to);
  const withDay = grouping === 'day' || grouping === 'wallet_day';
  const withCustomer = grouping === 'customer' || grouping === 'wallet_day';
  if (withDay) query = query.select(sql.ref(column).as('bucket')).groupBy(column);
  if (withCustomer) query = query.select('customer_id').groupBy('customer_id');
  const rows: Array<Record<string, unknown>> = await query.execute();
  return rows.map((row) => ({
    customerId: (row.customer_id as string | undefined) ?? '',
    currency: row.currency as string,
    day: (row.bucket as string | undefined) ?? '',
    eventType: row.event_type as string,
    creditAmount: Number(row.credit_amount),
    debitAmount: Number(row.debit_amount),
    entryCount: Number(row.entry_count),
    promotionalDelta: Number(row.promotional_delta),
  }));
}

/**
 * The business's day rollups (the sum of its wallets' rows, each up to its cursor) of the range: at most one row per
 * currency, local day and event type.
 */
async function businessRollupRows(trx: Executor, scope: FactScope, grouping: 'day' | 'range'): Promise<DayFact[]> {
  let query = trx
    .selectFrom('business_day_rollups')
    .select((eb) => [
      'currency',
      'event_type',
      eb.fn.sum<number>('credit_amount').as('credit_amount'),
      eb.fn.sum<number>('debit_amount').as('debit_amount'),
      eb.fn.sum<number>('entry_count').as('entry_count'),
      eb.fn.sum<number>('promotional_delta').as('promotional_delta'),
    ])
    .where('business_id', '=', scope.businessId)
    .groupBy(['currency', 'event_type']);
  if (scope.currency) query = query.where('currency', '=', scope.currency);
  if (scope.fromDay !== undefined) query = query.where('day', '>=', scope.fromDay);
  if (scope.toDay !== undefined) query = query.where('day', '<', scope.toDay);
  const rows: Array<Record<string, unknown>> = await (grouping === 'day' ? query.select('day').groupBy('day') : query).execute();
  return rows.map((row) => ({
    customerId: '',
    currency: row.currency as string,
    day: (row.day as string | undefined) ?? '',
    eventType: row.event_type as string,
    creditAmount: Number(row.credit_amount),
    debitAmount: Number(row.debit_amount),
    entryCount: Number(row.entry_count),
    promotionalDelta: Number(row.promotional_delta),
  }));
}

/** A lagging wallet this far past its cursor has its tail narrowed to the range by search (a few probes) first. */
export const tailSearchEntriesMin = 256;

/**
 * The entries after each wallet's cursor (all of a wallet's entries when it has none), as facts per day. Short tails
 * (the usual lag: a few entries each, on many wallets) are read for up to walletsPerQueryMax wallets per query; a
 * long one (after a rebuild or a zone change) is first narrowed to the range's wallet_seq by search.
 */
async function tailFacts(trx: Executor, scope: FactScope, zone: string, searchFromEntries = tailSearchEntriesMin): Promise<DayFact[]> {
  let lagging = trx
    .selectFrom('wallets as w')
    .leftJoin('wallet_rollup_cursors as c', (join) => join.onRef('c.customer_id', '=', 'w.customer_id').onRef('c.currency', '=', 'w.currency'))
    .select(['w.customer_id', 'w.currency', 'w.entry_count', sql<number>`coalesce(c.rolled_seq, 0)`.as('rolled_seq')])
    .where('w.business_id', '=', scope.businessId)
    .where(sql<boolean>`w.entry_count > coalesce(c.rolled_seq, 0)`);
  if (scope.wallet) lagging = lagging.where('w.customer_id', '=', scope.wallet.customerId).where('w.currency', '=', scope.wallet.currency);
  if (scope.currency) lagging = lagging.where('w.currency', '=', scope.currency);
  const wallets = await lagging.execute();
  const facts = new Map<string, DayFact>();
  const fromIso = scope.fromDay ? new Date(dayStartMs(scope.fromDay, zone)).toISOString() : undefined;
  const toIso = scope.toDay ? new Date(dayStartMs(scope.toDay, zone)).toISOString() : undefined;
  const short: Array<[customerId: string, currency: string, afterSeq: number, lastSeq: number]> = [];
  for (const w of wallets) {
    const wallet = { customerId: w.customer_id, currency: w.currency };
    const count = Number(w.entry_count);
    let after = Number(w.rolled_seq);
    if (count - after < searchFromEntries) {
      short.push([w.customer_id, w.currency, after, count]);
      continue;
    }
    let last = count;
    if (fromIso) after = Math.max(after, await lastSeqBefore(trx, wallet, count, fromIso, false));
    if (toIso) last = Math.min(last, await lastSeqBefore(trx, wallet, count, toIso, false));
    if (last <= after) continue;
    const entries = [];
    for await (const e of streamEntries(trx, wallet, after, last)) entries.push(e);
    addEntryFacts(facts, entries, await promotionalDeltas(trx, entries), zone);
  }
  for (let i = 0; i < short.length; i += walletsPerQueryMax) {
    const entries = await walletRangesEntries(trx, short.slice(i, i + walletsPerQueryMax), fromIso, toIso);
    addEntryFacts(facts, entries, await promotionalDeltas(trx, entries), zone);
  }
  return [...facts.values()];
}

/**
 * Per currency, what lost disputes and reversals settled before `at` could not take back from the wallets (their
 * shortfall_amount, src/billing/dispute-service.ts): money the business lost beyond what the wallets held.
 */
export async function disputeShortfalls(trx: Transaction<Database>, businessId: string, at: string): Promise<Map<string, number>> {
  const rows = await trx
    .selectFrom('disputes')
    .select(['currency', (eb) => eb.fn.sum<number | string>('shortfall_amount').as('amount')])
    .where('business_id', '=', businessId)
    .where('status', 'in', ['lost', 'reversed'])
    .where('updated_at', '<', at)
    .groupBy('currency')
    .execute();
  return new Map(rows.map((row) => [row.currency, Number(row.amount)]));
}
