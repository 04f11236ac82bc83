// SQL that reads one wallet's append-only entries for analytics: by wallet_seq ranges (the unique index), and the
// last entry before an instant by a k-ary search over wallet_seq (created_at never runs backwards along a wallet).
import { type Kysely, type Transaction, sql } from 'kysely';
import type { Database, LedgerEntriesTable } from '../db/schema.ts';

type Executor = Kysely<Database> | Transaction<Database>;

/** Probes per round of the search: log_32(n) round trips (5 for 10 M entries) instead of log_2(n). */
const searchFanOut = 32;
export const entryPageMax = 2000;

export interface WalletRef {
  customerId: string;
  currency: string;
}

export async function walletEntryCount(db: Executor, businessId: string, wallet: WalletRef): Promise<number | undefined> {
  const row = await db
    .selectFrom('wallets')
    .select('entry_count')
    .where('customer_id', '=', wallet.customerId)
    .where('currency', '=', wallet.currency)
    .where('business_id', '=', businessId)
    .executeTakeFirst();
  return row?.entry_count;
}

/**
 * The largest wallet_seq in [1, count] whose entry was created before `instant` (inclusive: at or before), or 0.
 * Entries that share an instant (one batch) are all in or all out.
 */
export async function lastSeqBefore(db: Executor, wallet: WalletRef, count: number, instant: string, inclusive: boolean): Promise<number> {
  return (await lastEntryBefore(db, wallet, count, instant, inclusive)).seq;
}

/** lastSeqBefore with that entry's after_balance (0 when seq is 0): the balance at the instant, from the search's own probes. */
export async function lastEntryBefore(db: Executor, wallet: WalletRef, count: number, instant: string, inclusive: boolean): Promise<{ seq: number; afterBalance: number }> {
  return (await lastEntriesBefore(db, wallet, count, [instant], inclusive))[0];
}

/** lastEntryBefore for several instants at once: the searches run in step, one query per round for all of them. */
export async function lastEntriesBefore(
  db: Executor,
  wallet: WalletRef,
  count: number,
  instants: readonly string[],
  inclusive: boolean,
): Promise<Array<{ seq: number; afterBalance: number }>> {
  // Per instant: low is known in (0 = before the first entry), high known out.
  const searches = instants.map((instant) => ({ instant, low: 0, lowBalance: 0, high: count + 1, probes: [] as number[] }));
  for (;;) {
    const open = searches.filter((search) => search.high - search.low > 1);
    if (open.length === 0) break;
    for (const search of open) {
      const step = Math.max(1, Math.floor((search.high - search.low) / searchFanOut));
      search.probes = [];
      for (let seq = search.low + step; seq < search.high; seq += step) search.probes.push(seq);
    }
    const rows = await db
      .selectFrom('ledger_entries')
      .select(['wallet_seq', 'created_at', 'after_balance'])
      .where('customer_id', '=', wallet.customerId)
      .where('currency', '=', wallet.currency)
      .where('wallet_seq', 'in', [...new Set(open.flatMap((search) => search.probes))])
      .execute();
    const bySeq = new Map(rows.map((r) => [Number(r.wallet_seq), r]));
    for (const search of open) {
      for (const seq of search.probes) {
        const row = bySeq.get(seq);
        if (row === undefined) throw new Error(`wallet ${wallet.customerId}/${wallet.currency} has no entry ${seq} below its count ${count}`);
        if (inclusive ? row.created_at <= search.instant : row.created_at < search.instant) {
          search.low = seq;
          search.lowBalance = Number(row.after_balance);
        } else {
          search.high = seq;
          break;
        }
      }
    }
  }
  return searches.map((search) => ({ seq: search.low, afterBalance: search.lowBalance }));
}

export async function entryAtSeq(db: Executor, wallet: WalletRef, seq: number): Promise<LedgerEntriesTable | undefined> {
  if (seq <= 0) return undefined;
  return db
    .selectFrom('ledger_entries')
    .selectAll()
    .where('customer_id', '=', wallet.customerId)
    .where('currency', '=', wallet.currency)
    .where('wallet_seq', '=', seq)
    .executeTakeFirst();
}

/** Entries with afterSeq < wallet_seq <= lastSeq, oldest first, at most entryPageMax. */
export function entriesAfter(db: Executor, wallet: WalletRef, afterSeq: number, lastSeq: number): Promise<LedgerEntriesTable[]> {
  return db
    .selectFrom('ledger_entries')
    .selectAll()
    .where('customer_id', '=', wallet.customerId)
    .where('currency', '=', wallet.currency)
    .where('wallet_seq', '>', afterSeq)
    .where('wallet_seq', '<=', lastSeq)
    .orderBy('wallet_seq')
    .limit(entryPageMax)
    .execute();
}

/** What a statement lists of each entry (ledger_entries' other columns stay unread). */
export type StatementRow = Pick<LedgerEntriesTable, 'id' | 'created_at' | 'event_type' | 'is_credit' | 'amount' | 'before_balance' | 'after_balance' | 'reason' | 'reference_object_id' | 'wallet_seq'>;

/** Entries with afterSeq < wallet_seq <= lastSeq, oldest first, at most `limit`: the statement's columns only. */
export function statementRows(db: Executor, wallet: WalletRef, afterSeq: number, lastSeq: number, limit: number): Promise<StatementRow[]> {
  return db
    .selectFrom('ledger_entries')
    .select(['id', 'created_at', 'event_type', 'is_credit', 'amount', 'before_balance', 'after_balance', 'reason', 'reference_object_id', 'wallet_seq'])
    .where('customer_id', '=', wallet.customerId)
    .where('currency', '=', wallet.currency)
    .where('wallet_seq', '>', afterSeq)
    .where('wallet_seq', '<=', lastSeq)
    .orderBy('wallet_seq')
    .limit(limit)
    .execute();
}

/** Every entry with afterSeq < wallet_seq <= lastSeq, oldest first, page by page. */
export async function* streamEntries(db: Executor, wallet: WalletRef, afterSeq: number, lastSeq: number): AsyncGenerator<LedgerEntriesTable> {
  let cursor = afterSeq;
  while (cursor < lastSeq) {
    const page = await entriesAfter(db, wallet, cursor, lastSeq);
    if (page.length === 0) return;
    for (const row of page) yield normalizeEntry(row);
    cursor = Number(page[page.length - 1].wallet_seq);
  }
}

/** pg returns bigint columns already as numbers (src/db/database.ts); SQLite integers are numbers too. */
export function normalizeEntry(row: LedgerEntriesTable): LedgerEntriesTable {
  return { ...row, amount: Number(row.amount), before_balance: Number(row.before_balance), after_balance: Number(row.after_balance), wallet_seq: Number(row.wallet_seq), is_credit: Number(row.is_credit) };
}

/** The columns of an entry that day facts and promotional deltas read. */
export type FactEntry = Pick<LedgerEntriesTable, 'id' | 'customer_id' | 'currency' | 'event_type' | 'is_credit' | 'amount' | 'created_at' | 'wallet_seq'>;

/** Wallets per query of the multi-wallet reads (4 parameters each). */
export const walletsPerQueryMax = 200;

/** `with t(columns) as (values (…), …)`: the rows as a table that a query joins against (both stores). */
export function valuesTable(name: string, columns: readonly string[], rows: ReadonlyArray<readonly unknown[]>) {
  const body = sql.join(rows.map((row) => sql`(${sql.join(row.map((value) => (typeof value === 'number' ? sql`cast(${value} as bigint)` : sql`${value}`)))})`));
  return sql`with ${sql.raw(name)}(${sql.raw(columns.join(', '))}) as (values ${body})`;
}

/**
 * How much each entry moved its wallet's promotional money: a credit that made a promotional lot adds its amount, an
 * entry that drew from promotional lots (a debit, a capture, an expiration) takes what it drew. The entries may be of
 * several wallets: one query per walletsPerQueryMax wallets with credits, one per 500 debits.
 */
export async function promotionalDeltas(db: Executor, entries: readonly FactEntry[]): Promise<Map<string, number>> {
  const deltas = new Map<string, number>();
  if (entries.length === 0) return deltas;
  const walletKey = (customerId: string, currency: string) => `${customerId}\u0000${currency}`;
  const ranges = new Map<string, [customerId: string, currency: string, firstSeq: number, lastSeq: number]>();
  for (const e of entries) {
    if (e.is_credit !== 1) continue;
    const key = walletKey(e.customer_id, e.currency);
    const range = ranges.get(key);
    if (!range) ranges.set(key, [e.customer_id, e.currency, e.wallet_seq, e.wallet_seq]);
    else {
      range[2] = Math.min(range[2], e.wallet_seq);
      range[3] = Math.max(range[3], e.wallet_seq);
    }
  }
  const lotAmount = new Map<string, number>();
  const walletRanges = [...ranges.values()];
  for (let i = 0; i < walletRanges.length; i += walletsPerQueryMax) {
    // The wallet's lots by the consumption index's (customer_id, currency) prefix; t is the outer loop (CROSS JOIN on SQLite).
    const lots = await sql<{ customer_id: string; currency: string; wallet_seq: number; amount: number }>`
      ${valuesTable('t', ['customer_id', 'currency', 'first_seq', 'last_seq'], walletRanges.slice(i, i + walletsPerQueryMax))}
      select l.customer_id, l.currency, l.wallet_seq, l.amount from t cross join credit_lots l
      where l.customer_id = t.customer_id and l.currency = t.currency and l.category = 'promotional'
        and l.wallet_seq >= t.first_seq and l.wallet_seq <= t.last_seq`.execute(db);
    for (const l of lots.rows) lotAmount.set(`${walletKey(l.customer_id, l.currency)}\u0000${Number(l.wallet_seq)}`, Number(l.amount));
  }
  for (const e of entries) {
    const amount = e.is_credit === 1 ? lotAmount.get(`${walletKey(e.customer_id, e.currency)}\u0000${e.wallet_seq}`) : undefined;
    if (amount !== undefined) deltas.set(e.id, amount);
  }
  const debitIds = entries.filter((e) => e.is_credit === 0).map((e) => e.id);
  for (let i = 0; i < debitIds.length; i += 500) {
    const draws = await db
      .selectFrom('lot_draws')
      .innerJoin('credit_lots', 'credit_lots.id', 'lot_draws.lot_id')
      .select(['lot_draws.entry_id', 'lot_draws.amount'])
      .where('lot_draws.entry_id', 'in', debitIds.slice(i, i + 500))
      .where('credit_lots.category', '=', 'promotional')
      .execute();
    for (const d of draws) deltas.set(d.entry_id, (deltas.get(d.entry_id) ?? 0) - Number(d.amount));
  }
  return deltas;
}

/**
 * The entries of several wallets, each with afterSeq < wallet_seq <= lastSeq and created_at in [fromIso, toIso) when
 * given, by wallet and wallet_seq: one query for up to walletsPerQueryMax wallets, an index range each.
 */
export async function walletRangesEntries(
  db: Executor,
  ranges: ReadonlyArray<readonly [customerId: string, currency: string, afterSeq: number, lastSeq: number]>,
  fromIso: string | undefined,
  toIso: string | undefined,
): Promise<FactEntry[]> {
  const entries: FactEntry[] = [];
  for (let i = 0; i < ranges.length; i += walletsPerQueryMax) {
    const result = await sql<FactEntry>`
      ${valuesTable('t', ['customer_id', 'currency', 'after_seq', 'last_seq'], ranges.slice(i, i + walletsPerQueryMax))}
      select e.id, e.customer_id, e.currency, e.event_type, e.is_credit, e.amount, e.created_at, e.wallet_seq
      from t cross join ledger_entries e
      where e.customer_id = t.customer_id and e.currency = t.currency and e.wallet_seq > t.after_seq and e.wallet_seq <= t.last_seq
        ${fromIso === undefined ? sql`` : sql`and e.created_at >= ${fromIso}`}
        ${toIso === undefined ? sql`` : sql`and e.created_at < ${toIso}`}
      order by e.customer_id, e.currency, e.wallet_seq`.execute(db);
    for (const row of result.rows) {
      entries.push({ ...row, amount: Number(row.amount), is_credit: Number(row.is_credit), wallet_seq: Number(row.wallet_seq) });
    }
  }
  return entries;
}
