// PostgreSQL writer store: two named prepared statements per batch (load and write), whatever the batch size.
import type pg from 'pg';
import type { LedgerEntriesTable } from '../db/schema.ts';
import type { LoadRequest, LoadedBatch, LoadedWallet, LockedCustomer, WriteSet } from './batch-state.ts';
import type { IdempotencyRecordRow } from './idempotency.ts';
import { type WriterStore, type WriterTransaction, expectCount } from './writer-store.ts';

/**
 * Locks the batch's customers in id order, then reads their wallets (at their latest committed versions) and the
 * idempotency records the keys name with their entries: one call of the function migration 0004 creates. Array
 * parameters keep the text constant, so the statement is prepared once per connection by name.
 */
const loadStatement = 'select wallets, records from coffer_ledger_load($1::text[], $2::text[], $3::text[], $4::text[])';

/**
 * Appends the entries and records and moves the wallets and customer counters in one statement. A record whose
 * key another process committed meanwhile is skipped, and a wallet or counter that moved is not updated: the
 * counts tell the writer to roll back and retry.
 */
const writeStatement = `
with entries as (
  insert into ledger_entries (id, business_id, customer_id, currency, amount, is_credit, event_type, reason,
                              reference_object_id, idempotency_key, before_balance, after_balance, customer_seq,
                              wallet_seq, created_at)
  select * from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::int[], $7::text[], $8::text[],
                       $9::text[], $10::text[], $11::bigint[], $12::bigint[], $13::bigint[], $14::bigint[], $15::text[])
  returning 1
), records as (
  insert into idempotency_records (business_id, scope, key, fingerprint, result_type, result_id, created_at)
  select * from unnest($16::text[], $17::text[], $18::text[], $19::text[], $20::text[], $21::text[], $22::text[])
  on conflict do nothing
  returning 1
), events as (
  insert into events (id, business_id, type, customer_id, data, created_at)
  select * from unnest($33::text[], $34::text[], $35::text[], $36::text[], $37::text[], $38::text[])
  returning 1
), moved as (
  update wallets w
     set balance = v.balance, entry_count = v.entry_count, updated_at = v.updated_at
    from unnest($23::text[], $24::text[], $25::bigint[], $26::bigint[], $27::bigint[], $28::bigint[], $29::text[])
         as v(customer_id, currency, expected_balance, expected_entry_count, balance, entry_count, updated_at)
   where w.customer_id = v.customer_id and w.currency = v.currency
     and w.balance = v.expected_balance and w.entry_count = v.expected_entry_count
  returning 1
), advanced as (
  update customers c
     set entry_count = v.entry_count
    from unnest($30::text[], $31::bigint[], $32::bigint[]) as v(id, expected_entry_count, entry_count)
   where c.id = v.id and c.entry_count = v.expected_entry_count
  returning 1
)
select (select count(*) from entries)::int as entries, (select count(*) from records)::int as records,
       (select count(*) from events)::int as events,
       (select count(*) from moved)::int as moved, (select count(*) from advanced)::int as advanced`;

/** Rare: a wallet of a currency configured after its customer was created (before the entries that reference it). */
const insertWalletsStatement = `
insert into wallets (customer_id, currency, business_id, balance, entry_count, created_at, updated_at)
select * from unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::bigint[], $6::text[], $7::text[])`;

/** A wallet row with its customer's columns beside it. */
type LockedRow = LoadedWallet & { customer_business_id: string; customer_entry_count: number };

type RecordRow = IdempotencyRecordRow & { entry: LedgerEntriesTable | null };

const column = <T, K extends keyof T>(rows: readonly T[], key: K): Array<T[K]> => rows.map((row) => row[key]);

function loaded(wallets: LockedRow[], records: RecordRow[]): LoadedBatch {
  const customers = new Map<string, LockedCustomer>();
  const walletRows: LoadedWallet[] = [];
  for (const { customer_business_id, customer_entry_count, ...wallet } of wallets) {
    customers.set(wallet.customer_id, { id: wallet.customer_id, business_id: customer_business_id, entry_count: customer_entry_count });
    walletRows.push(wallet);
  }
  return {
    customers: [...customers.values()],
    wallets: walletRows,
    records: records.map(({ entry, ...record }) => ({ record, entry })),
  };
}

function writeParameters(set: WriteSet): unknown[] {
  const { entries, idempotencyRecords: records, walletMoves: moves, customerMoves, events } = set;
  return [
    column(entries, 'id'), column(entries, 'business_id'), column(entries, 'customer_id'), column(entries, 'currency'),
    column(entries, 'amount'), column(entries, 'is_credit'), column(entries, 'event_type'), column(entries, 'reason'),
    column(entries, 'reference_object_id'), column(entries, 'idempotency_key'), column(entries, 'before_balance'),
    column(entries, 'after_balance'), column(entries, 'customer_seq'), column(entries, 'wallet_seq'), column(entries, 'created_at'),
    column(records, 'business_id'), column(records, 'scope'), column(records, 'key'), column(records, 'fingerprint'),
    column(records, 'result_type'), column(records, 'result_id'), column(records, 'created_at'),
    column(moves, 'customerId'), column(moves, 'currency'), column(moves, 'expectedBalance'), column(moves, 'expectedEntryCount'),
    column(moves, 'balance'), column(moves, 'entryCount'), column(moves, 'updatedAt'),
    column(customerMoves, 'customerId'), column(customerMoves, 'expectedEntryCount'), column(customerMoves, 'entryCount'),
    column(events, 'id'), column(events, 'business_id'), column(events, 'type'), column(events, 'customer_id'),
    column(events, 'data'), column(events, 'created_at'),
  ];
}

/** Round trips per batch: BEGIN, load, write, COMMIT (one more only when a wallet must be created). */
export function postgresWriterStore(pool: pg.Pool): WriterStore {
  const transactionOn = (client: pg.PoolClient): WriterTransaction => ({
    async load(request: LoadRequest) {
      const result = await client.query<{ wallets: LockedRow[]; records: RecordRow[] }>({
        name: 'coffer_ledger_load_v2',
        text: loadStatement,
        values: [request.customerIds, column(request.keys, 'businessId'), column(request.keys, 'scope'), column(request.keys, 'key')],
      });
      return loaded(result.rows[0].wallets, result.rows[0].records);
    },
    async write(set: WriteSet) {
      const wallets = set.newWallets;
      if (wallets.length > 0) {
        await client.query({
          name: 'coffer_ledger_insert_wallets_v1',
          text: insertWalletsStatement,
          values: [
            column(wallets, 'customer_id'), column(wallets, 'currency'), column(wallets, 'business_id'), column(wallets, 'balance'),
            column(wallets, 'entry_count'), column(wallets, 'created_at'), column(wallets, 'updated_at'),
          ],
        });
      }
      const result = await client.query<{ entries: number; records: number; events: number; moved: number; advanced: number }>({
        name: 'coffer_ledger_write_v2',
        text: writeStatement,
        values: writeParameters(set),
      });
      const counts = result.rows[0];
      expectCount('ledger entries', counts.entries, set.entries.length);
      expectCount('idempotency records', counts.records, set.idempotencyRecords.length);
      expectCount('events', counts.events, set.events.length);
      expectCount('wallet balances', counts.moved, set.walletMoves.length);
      expectCount('customer entry counters', counts.advanced, set.customerMoves.length);
    },
  });

  return {
    description: 'PostgreSQL: BEGIN, one named load call (locks the customers), one named write statement, COMMIT',
    async transaction<T>(work: (tx: WriterTransaction) => Promise<T>): Promise<T> {
      const client = await pool.connect();
      let broken: Error | undefined;
      try {
        await client.query('begin');
        const result = await work(transactionOn(client));
        await client.query('commit');
        return result;
      } catch (error) {
        await client.query('rollback').catch((rollbackError: Error) => {
          broken = rollbackError;
        });
        throw error;
      } finally {
        // A connection whose rollback failed is discarded rather than handed to the next batch.
        client.release(broken);
      }
    },
  };
}
