// A JSON statement's entries and totals: the entries of one wallet_seq range as one JSON array (built by SQLite, or
// serialized in Node from PostgreSQL's rows), and their totals per event type from one grouped query.
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

/**
 * The entries with afterSeq < wallet_seq <= lastSeq, oldest first, as the JSON text of the statement's `entries`
 * (the fields and order of StatementEntry in analytics-schemas.ts). The caller bounds the range (statementEntriesMax).
 * SQLite builds the array itself (in-process: no row objects); on PostgreSQL its json_agg costs the server more CPU
 * than node-postgres's rows and JSON.stringify cost Coffer (measured: docs/performance.md), so Node serializes them.
 */
export async function statementEntriesJson(db: Executor, store: StoreKind, wallet: WalletRef, afterSeq: number, lastSeq: number): Promise<string> {
  if (lastSeq <= afterSeq) return '[]';
  if (store === 'postgres') {
    const rows = await statementRows(db, wallet, afterSeq, lastSeq, lastSeq - afterSeq);
    return JSON.stringify(rows.map(statementEntry));
  }
  const result = await sql<{ entries: string | null }>`
    select json_group_array(json_object(
        'id', id, 'created_at', created_at, 'event_type', event_type,
        'is_credit', json(case when is_credit = 1 then 'true' else 'false' end), 'amount', amount,
        'before_balance', before_balance, 'after_balance', after_balance, 'reason', reason, 'reference_object_id', reference_object_id
      ) order by wallet_seq) as entries
    from ledger_entries
    where customer_id = ${wallet.customerId} and currency = ${wallet.currency} and wallet_seq > ${afterSeq} and wallet_seq <= ${lastSeq}`.execute(db);
  return result.rows[0]?.entries ?? '[]';
}

export interface EventTotalsRow {
  event_type: string;
  credit_amount: number;
  debit_amount: number;
  entry_count: number;
}

/** Per event_type, what the entries with afterSeq < wallet_seq <= lastSeq credited and debited, by event_type (code unit order). */
export async function statementTotals(db: Executor, wallet: WalletRef, afterSeq: number, lastSeq: number): Promise<EventTotalsRow[]> {
  if (lastSeq <= afterSeq) return [];
  const rows = await db
    .selectFrom('ledger_entries')
    .select((eb) => [
      'event_type',
      eb.fn.sum<number>(sql`case when is_credit = 1 then amount else 0 end`).as('credit_amount'),
      eb.fn.sum<number>(sql`case when is_credit = 1 then 0 else amount end`).as('debit_amount'),
      eb.fn.countAll<number>().as('entry_count'),
    ])
    .where('customer_id', '=', wallet.customerId)
    .where('currency', '=', wallet.currency)
    .where('wallet_seq', '>', afterSeq)
    .where('wallet_seq', '<=', lastSeq)
    .groupBy('event_type')
    .execute();
  return rows
    .map((row) => ({ event_type: row.event_type, credit_amount: Number(row.credit_amount), debit_amount: Number(row.debit_amount), entry_count: Number(row.entry_count) }))
    .sort((a, b) => (a.event_type < b.event_type ? -1 : a.event_type > b.event_type ? 1 : 0));
}
