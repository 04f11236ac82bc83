// SQL that reads one wallet's append-only entries for analytics: by wallet_seq ranges (the unique index), and the
// last entry before an instant by a k-ary search over wallet_seq (created_at never runs backwards along a wallet).
import type { Kysely, Transaction } from 'kysely';
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
  const isIn = (createdAt: string) => (inclusive ? createdAt <= instant : createdAt < instant);
  let low = 0; // known in (0 = before the first entry)
  let high = count + 1; // known out
  while (high - low > 1) {
    const step = Math.max(1, Math.floor((high - low) / searchFanOut));
    const probes: number[] = [];
    for (let seq = low + step; seq < high; seq += step) probes.push(seq);
    const rows = await db
      .selectFrom('ledger_entries')
      .select(['wallet_seq', 'created_at'])
      .where('customer_id', '=', wallet.customerId)
      .where('currency', '=', wallet.currency)
      .where('wallet_seq', 'in', probes)
      .execute();
    const createdAt = new Map(rows.map((r) => [Number(r.wallet_seq), r.created_at]));
    let newLow = low;
    let newHigh = high;
    for (const seq of probes) {
      const at = createdAt.get(seq);
      if (at === undefined) throw new Error(`wallet ${wallet.customerId}/${wallet.currency} has no entry ${seq} below its count ${count}`);
      if (isIn(at)) newLow = seq;
      else {
        newHigh = seq;
        break;
      }
    }
    low = newLow;
    high = newHigh;
  }
  return low;
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

/**
 * How much each entry moved the wallet's promotional money: a credit that made a promotional lot adds its amount, an
 * entry that drew from promotional lots (a debit, a capture, an expiration) takes what it drew.
 */
export async function promotionalDeltas(db: Executor, wallet: WalletRef, entries: readonly LedgerEntriesTable[]): Promise<Map<string, number>> {
  const deltas = new Map<string, number>();
  if (entries.length === 0) return deltas;
  const firstSeq = entries[0].wallet_seq;
  const lastSeq = entries[entries.length - 1].wallet_seq;
  const lots = await db
    .selectFrom('credit_lots')
    .select(['wallet_seq', 'amount'])
    .where('customer_id', '=', wallet.customerId)
    .where('currency', '=', wallet.currency)
    .where('category', '=', 'promotional')
    .where('wallet_seq', '>=', firstSeq)
    .where('wallet_seq', '<=', lastSeq)
    .execute();
  const lotBySeq = new Map(lots.map((l) => [Number(l.wallet_seq), Number(l.amount)]));
  for (const e of entries) {
    if (e.is_credit === 1 && lotBySeq.has(e.wallet_seq)) deltas.set(e.id, lotBySeq.get(e.wallet_seq) as number);
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
