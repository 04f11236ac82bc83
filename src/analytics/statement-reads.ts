// A statement's reads: where it starts and ends (the customer check, the wallet's entry count and both bounds' searches
// in one recursive query), the statement blocks its range covers whole (their entries' JSON and totals as the rollup
// job stored them), and the few entries around the blocks from the ledger (SQLite builds their JSON and totals in one
// query; PostgreSQL's rows are serialized in Node and the totals summed from the same rows).
import { type Kysely, type Transaction, sql } from 'kysely';
import type { StoreKind } from '../config/config.ts';
import type { Database, LedgerEntriesTable } from '../db/schema.ts';
import { type StatementRow, type WalletRef, statementRows } from './entry-reads.ts';

type Executor = Kysely<Database> | Transaction<Database>;

export interface StatementEntry {
  id: string;
  created_at: string;
  event_type: string;
  is_credit: boolean;
  amount: number;
  before_balance: number;
  after_balance: number;
  reason: string | null;
  reference_object_id: string | null;
}

/** A statement's entry as the API answers it. */
export const statementEntry = (e: StatementRow | LedgerEntriesTable): StatementEntry => ({
  id: e.id,
  created_at: e.created_at,
  event_type: e.event_type,
  is_credit: Number(e.is_credit) === 1,
  amount: Number(e.amount),
  before_balance: Number(e.before_balance),
  after_balance: Number(e.after_balance),
  reason: e.reason,
  reference_object_id: e.reference_object_id,
});

export interface StatementRange {
  /** The wallet's entry count (0 when it has no entry or no wallet row yet). */
  entryCount: number;
  /** The last entry created before `from` (0 before the first entry) and the balance after it (0 when none). */
  firstSeq: number;
  openingBalance: number;
  /** The same before `to`. */
  lastSeq: number;
  closingBalance: number;
}

/**
 * Where a statement over [from, to) starts and ends, or undefined when the business has no such customer: one query
 * that reads the wallet's entry count and runs both binary searches over wallet_seq (created_at never runs backwards
 * along a wallet; entries that share an instant are all in or all out), each step one lookup in the
 * (customer_id, currency, wallet_seq) index: 2 × log2(count) lookups in one round trip. Any from and to (even from ≥ to).
 */
export async function statementRange(db: Executor, businessId: string, wallet: WalletRef, from: string, to: string): Promise<StatementRange | undefined> {
  // Kept under 1,000 characters: SQLite keeps only statements that short prepared (src/db/database.ts), and preparing
  // this one costs ~0.5 ms, as much as running it.
  const result = await sql<{ entry_count: number; bound: number; seq: number; balance: number }>`
with recursive ${rangeSearch(businessId, wallet, from, to)}
select n.entry_count, s.bound, s.low as seq, s.balance from n cross join s where s.high - s.low <= 1`.execute(db);
  if (result.rows.length === 0) return undefined;
  const bound = (which: number) => result.rows.find((row) => Number(row.bound) === which);
  const opening = bound(0);
  const closing = bound(1);
  if (!opening || !closing) throw new Error(`statement search for ${wallet.customerId}/${wallet.currency} ended without both bounds`);
  return {
    entryCount: Number(opening.entry_count),
    firstSeq: Number(opening.seq),
    openingBalance: Number(opening.balance),
    lastSeq: Number(closing.seq),
    closingBalance: Number(closing.balance),
  };
}

/**
 * The range search's two CTEs: n (the entry count; no row when the business has no such customer) and s (per bound:
 * low is known before the instant, 0 before the first entry; high known at or after it, count + 1 when none; the search
 * has ended where high - low <= 1, low being that bound's seq and balance the balance after it). PostgreSQL's JSON
 * statement runs the same search inside coffer_statement_read (migration 0021): a change here is a new migration there.
 */
const rangeSearch = (businessId: string, { customerId, currency }: WalletRef, from: string, to: string) => sql`
n(entry_count) as (select coalesce(w.entry_count, 0) from customers c
left join wallets w on w.customer_id = c.id and w.currency = ${currency} and w.business_id = c.business_id
where c.id = ${customerId} and c.business_id = ${businessId}),
s(bound, instant, low, balance, high) as (
select b.bound, case when b.bound = 0 then cast(${from} as text) else cast(${to} as text) end,
cast(0 as bigint), cast(0 as bigint), cast(n.entry_count + 1 as bigint)
from n cross join (select 0 as bound union all select 1) b
union all
select s.bound, s.instant, case when e.created_at < s.instant then e.wallet_seq else s.low end,
case when e.created_at < s.instant then e.after_balance else s.balance end,
case when e.created_at < s.instant then s.high else e.wallet_seq end
from s join ledger_entries e on e.customer_id = ${customerId} and e.currency = ${currency} and e.wallet_seq = (s.low + s.high) / 2
where s.high - s.low > 1)`;

/** A statement's range and, when it lists at most entriesMax entries, those entries' JSON text and totals. */
export interface StatementRead {
  range: StatementRange;
  listed?: ListedEntries;
}

/**
 * A range's entries and their totals per event type: `entries` are runs of comma-separated JSON objects in wallet_seq
 * order (each a block's text or the entries around the blocks), the array's text being `[${entries.join(',')}]`; kept
 * apart so that a response writes them without building the whole text as one string first.
 */
export interface ListedEntries {
  entries: readonly string[];
  totals: EventTotalsRow[];
}

type StatementTripRow = {
  entry_count: number;
  first_seq: number;
  opening: number;
  last_seq: number;
  closing: number;
  /** The part: a block (block_last_seq set) or a ledger entry (id set), or neither when the range lists none. */
  seq: number | null;
  block_last_seq: number | null;
  entries: string | null;
  totals: string | null;
} & { [K in Exclude<keyof StatementRow, 'wallet_seq'>]: StatementRow[K] | null };

/**
 * PostgreSQL: the whole statement read in one round trip (each query costs Coffer ~0.3 ms of CPU however small, as
 * much as the statement's other work: docs/performance.md), by the function coffer_statement_read (migration 0021),
 * whose plan each session keeps. It runs the range search, then, when the range lists at most entriesMax entries,
 * reads the blocks it covers whole and the ledger entries before the first block and after the last (all of them when
 * no block). Blocks are contiguous (the job writes them in order behind its cursor); were they not, the entries
 * between them are read here the usual way. Undefined when the business has no such customer.
 */
export async function statementReadPostgres(db: Executor, businessId: string, wallet: WalletRef, from: string, to: string, entriesMax: number): Promise<StatementRead | undefined> {
  const { customerId, currency } = wallet;
  const result = await sql<StatementTripRow>`select * from coffer_statement_read(${businessId}, ${customerId}, ${currency}, ${from}, ${to}, ${entriesMax})`.execute(db);
  const head = result.rows[0];
  if (!head) return undefined;
  const range = { entryCount: Number(head.entry_count), firstSeq: Number(head.first_seq), openingBalance: Number(head.opening), lastSeq: Number(head.last_seq), closingBalance: Number(head.closing) };
  if (range.lastSeq - range.firstSeq > entriesMax) return { range };
  if (range.lastSeq <= range.firstSeq) return { range, listed: { entries: [], totals: [] } };
  const pieces: StatementPiece[] = [];
  let run: StatementRow[] = [];
  let cursor = range.firstSeq;
  const endRun = () => {
    if (run.length > 0) pieces.push(renderStatementEntries(run));
    run = [];
  };
  for (const row of result.rows) {
    const seq = Number(row.seq);
    if (row.block_last_seq === null) {
      if (seq !== cursor + 1) throw new Error(`statement read of ${customerId}/${currency} skipped from ${cursor} to ${seq}`);
      run.push({ ...(row as unknown as StatementRow), wallet_seq: seq });
      cursor = seq;
      continue;
    }
    endRun();
    // Entries between two blocks that are not contiguous are not in the query's runs.
    if (seq > cursor + 1) pieces.push(await ledgerEntriesWithTotals(db, 'postgres', wallet, cursor, seq - 1));
    pieces.push(blockPiece(wallet, seq, Number(row.block_last_seq), row.entries ?? '', row.totals ?? '[]'));
    cursor = Number(row.block_last_seq);
  }
  endRun();
  if (cursor !== range.lastSeq) throw new Error(`statement read of ${customerId}/${currency} ended at ${cursor} before ${range.lastSeq}`);
  return { range, listed: assembled(wallet, pieces) };
}

/**
 * The entries with afterSeq < wallet_seq <= lastSeq, oldest first, as the JSON text of the statement's `entries`, and
 * their totals per event type (code unit order). The statement blocks that the range covers whole (written by the
 * rollup job: migration 0020) give their entries' text and totals as stored; only the entries around them are read
 * from the ledger. The caller bounds the range (statementEntriesMax).
 */
export async function statementEntriesWithTotals(db: Executor, store: StoreKind, wallet: WalletRef, afterSeq: number, lastSeq: number): Promise<ListedEntries> {
  if (lastSeq <= afterSeq) return { entries: [], totals: [] };
  const blocks = await db
    .selectFrom('wallet_statement_blocks')
    .select(['first_seq', 'last_seq', 'entries', 'totals'])
    .where('customer_id', '=', wallet.customerId)
    .where('currency', '=', wallet.currency)
    .where('first_seq', '>', afterSeq)
    .where('last_seq', '<=', lastSeq)
    .orderBy('first_seq')
    .execute();
  const pieces: StatementPiece[] = [];
  let cursor = afterSeq;
  for (const block of blocks) {
    const [firstSeq, blockLastSeq] = [Number(block.first_seq), Number(block.last_seq)];
    if (firstSeq > cursor + 1) pieces.push(await ledgerEntriesWithTotals(db, store, wallet, cursor, firstSeq - 1));
    pieces.push(blockPiece(wallet, firstSeq, blockLastSeq, block.entries, block.totals));
    cursor = blockLastSeq;
  }
  if (cursor < lastSeq) pieces.push(await ledgerEntriesWithTotals(db, store, wallet, cursor, lastSeq));
  return assembled(wallet, pieces);
}

/** A run of consecutive entries: their comma-separated JSON objects ('' when none) and their totals per event type. */
type StatementPiece = { entries: string; totals: EventTotalsRow[] };

/** A stored block as a piece, checked: its totals must count exactly the entries of its range. */
function blockPiece(wallet: WalletRef, firstSeq: number, lastSeq: number, entries: string, totalsText: string): StatementPiece {
  const totals = parseBlockTotals(totalsText);
  if (totals.reduce((n, t) => n + t.entry_count, 0) !== lastSeq - firstSeq + 1) {
    throw new Error(`statement block ${wallet.customerId}/${wallet.currency} ${firstSeq}..${lastSeq} counts other entries than its range`);
  }
  return { entries, totals };
}

/** The pieces of a range, in wallet_seq order, as the statement's entries and the sum of their totals. */
function assembled(wallet: WalletRef, pieces: readonly StatementPiece[]): ListedEntries {
  const byType = new Map<string, EventTotalsRow>();
  for (const piece of pieces) {
    for (const t of piece.totals) {
      const sum = byType.get(t.event_type);
      if (!sum) byType.set(t.event_type, { ...t });
      else {
        sum.credit_amount += t.credit_amount;
        sum.debit_amount += t.debit_amount;
        sum.entry_count += t.entry_count;
      }
    }
  }
  return { entries: pieces.map((p) => p.entries).filter((text) => text !== ''), totals: checkedTotals(wallet, [...byType.values()]) };
}

/** A block's or a run's entries as the statement lists them: their JSON objects, comma-separated, in wallet_seq order. */
export function renderStatementEntries(rows: ReadonlyArray<StatementRow | LedgerEntriesTable>): { entries: string; totals: EventTotalsRow[] } {
  const entries = rows.map(statementEntry);
  return { entries: entries.map((e) => JSON.stringify(e)).join(','), totals: totalsOf(entries) };
}

/** A block's totals column: [[event_type, credit_amount, debit_amount, entry_count], ...]. */
export const blockTotalsText = (totals: readonly EventTotalsRow[]): string => JSON.stringify(totals.map((t) => [t.event_type, t.credit_amount, t.debit_amount, t.entry_count]));

function parseBlockTotals(text: string): EventTotalsRow[] {
  return (JSON.parse(text) as Array<[string, number, number, number]>).map(([event_type, credit_amount, debit_amount, entry_count]) => ({ event_type, credit_amount, debit_amount, entry_count }));
}

function totalsOf(entries: readonly StatementEntry[]): EventTotalsRow[] {
  const byType = new Map<string, EventTotalsRow>();
  for (const row of entries) {
    let totals = byType.get(row.event_type);
    if (!totals) byType.set(row.event_type, (totals = { event_type: row.event_type, credit_amount: 0, debit_amount: 0, entry_count: 0 }));
    if (row.is_credit) totals.credit_amount += row.amount;
    else totals.debit_amount += row.amount;
    totals.entry_count += 1;
  }
  return [...byType.values()];
}

/**
 * The entries with afterSeq < wallet_seq <= lastSeq read from the ledger, as the comma-separated JSON objects and their
 * totals: on SQLite one query builds the text and groups the totals (in process: no row objects); on PostgreSQL its
 * JSON functions cost the server more CPU than node-postgres's rows and JSON.stringify cost Coffer (measured:
 * docs/performance.md), so Node serializes the rows and sums the totals from them (no second scan, no second round trip).
 */
async function ledgerEntriesWithTotals(db: Executor, store: StoreKind, wallet: WalletRef, afterSeq: number, lastSeq: number): Promise<{ entries: string; totals: EventTotalsRow[] }> {
  if (store === 'postgres') return renderStatementEntries(await statementRows(db, wallet, afterSeq, lastSeq, lastSeq - afterSeq));
  const range = sql`from ledger_entries
    where customer_id = ${wallet.customerId} and currency = ${wallet.currency} and wallet_seq > ${afterSeq} and wallet_seq <= ${lastSeq}`;
  const result = await sql<{ entries: string | null; totals: string | null }>`
    select
      (select json_group_array(json_object(
          'id', id, 'created_at', created_at, 'event_type', event_type,
          'is_credit', json(case when is_credit = 1 then 'true' else 'false' end), 'amount', amount,
          'before_balance', before_balance, 'after_balance', after_balance, 'reason', reason, 'reference_object_id', reference_object_id
        ) order by wallet_seq) ${range}) as entries,
      (select json_group_array(json_array(event_type, credit_amount, debit_amount, entry_count)) from (
        select event_type, sum(case when is_credit = 1 then amount else 0 end) as credit_amount,
          sum(case when is_credit = 1 then 0 else amount end) as debit_amount, count(*) as entry_count
        ${range} group by event_type)) as totals`.execute(db);
  const row = result.rows[0];
  // json_group_array's '[…]' without its brackets.
  return { entries: (row?.entries ?? '[]').slice(1, -1), totals: parseBlockTotals(row?.totals ?? '[]') };
}

/** The totals in event_type code unit order; amounts are bounded safe integers, so a sum beyond 2^53 is a broken invariant. */
function checkedTotals(wallet: WalletRef, rows: EventTotalsRow[]): EventTotalsRow[] {
  for (const totals of rows) {
    if (!Number.isSafeInteger(totals.credit_amount) || !Number.isSafeInteger(totals.debit_amount)) {
      throw new Error(`statement totals of ${wallet.customerId}/${wallet.currency} ${totals.event_type} are outside the safe-integer range`);
    }
  }
  return rows.sort((a, b) => (a.event_type < b.event_type ? -1 : a.event_type > b.event_type ? 1 : 0));
}

export interface EventTotalsRow {
  event_type: string;
  credit_amount: number;
  debit_amount: number;
  entry_count: number;
}
