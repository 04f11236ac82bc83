// A JSON statement's entries and totals as the database computes them: the entries of one wallet_seq range serialized
// to one JSON array by the database (no row objects in Node), and their totals per event type in one grouped query.
import { type Kysely, type Transaction, sql } from 'kysely';
import type { StoreKind } from '../config/config.ts';
import type { Database } from '../db/schema.ts';
import type { WalletRef } from './entry-reads.ts';

type Executor = Kysely<Database> | Transaction<Database>;

/**
 * The entries with afterSeq < wallet_seq <= lastSeq, oldest first, as the JSON text of the statement's `entries`
 * (the fields and order of StatementEntry in analytics-schemas.ts). The caller bounds the range (statementEntriesMax).
 */
export async function statementEntriesJson(db: Executor, store: StoreKind, wallet: WalletRef, afterSeq: number, lastSeq: number): Promise<string> {
  if (lastSeq <= afterSeq) return '[]';
  const isCredit = store === 'postgres' ? sql`is_credit = 1` : sql`json(case when is_credit = 1 then 'true' else 'false' end)`;
  const object = sql`${sql.raw(store === 'postgres' ? 'json_build_object' : 'json_object')}(
      'id', id, 'created_at', created_at, 'event_type', event_type, 'is_credit', ${isCredit}, 'amount', amount,
      'before_balance', before_balance, 'after_balance', after_balance, 'reason', reason, 'reference_object_id', reference_object_id)`;
  const array = store === 'postgres' ? sql`json_agg(${object} order by wallet_seq)::text` : sql`json_group_array(${object} order by wallet_seq)`;
  const result = await sql<{ entries: string | null }>`
    select ${array} as entries from ledger_entries
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
