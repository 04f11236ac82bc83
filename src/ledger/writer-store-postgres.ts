// PostgreSQL writer store: two named prepared statements per batch (load and write), whatever the batch size.
import type pg from 'pg';
import type { LedgerEntriesTable } from '../db/schema.ts';
import { type LoadRequest, type LoadedBatch, type LoadedWallet, type LockedCustomer, type WriteSet, batchTime, needsLots, walletKey } from './batch-state.ts';
import type { HoldRow, LotRow } from './commands.ts';
import type { IdempotencyRecordRow } from './idempotency.ts';
import { type WriterStore, type WriterTransaction, expectCount } from './writer-store.ts';

/**
 * Locks the batch's customers in id order, then reads their wallets (at their latest committed versions) and the
 * idempotency records the keys name with their entries: one call of the function migration 0004 creates. Array
 * parameters keep the text constant, so the statement is prepared once per connection by name.
 */
const loadStatement =
  'select wallets, records, lots from coffer_ledger_load_lots($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::bigint[], $8::text)';

/**
 * Appends the entries and records and moves the wallets and customer counters in one statement. A record whose
 * key another process committed meanwhile is skipped, and a wallet or counter that moved is not updated: the
 * counts tell the writer to roll back and retry.
 */
const writeStatement = `
with entries as (
  insert into ledger_entries (id, business_id, customer_id, currency, amount, is_credit, event_type, reason,
                              reference_object_id, idempotency_key, before_balance, after_balance, customer_seq,
                              wallet_seq, created_at, pool_offset, pool_amount)
  select * from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::int[], $7::text[], $8::text[],
                       $9::text[], $10::text[], $11::bigint[], $12::bigint[], $13::bigint[], $14::bigint[], $15::text[],
                       $77::bigint[], $78::bigint[])
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
), lots as (
  insert into credit_lots (id, business_id, customer_id, currency, amount, remaining_amount, expired_amount, category,
                           category_rank, expires_at, expires_order, status, wallet_seq, source_entry_id,
                           expiry_entry_id, notice_sent_at, created_at, updated_at)
  select * from unnest($40::text[], $41::text[], $42::text[], $43::text[], $44::bigint[], $45::bigint[], $46::bigint[],
                       $47::text[], $48::int[], $49::text[], $50::text[], $51::text[], $52::bigint[], $53::text[],
                       $54::text[], $55::text[], $56::text[], $57::text[])
  returning 1
), lots_moved as (
  update credit_lots l
     set remaining_amount = v.remaining, expired_amount = v.expired_amount, status = v.status,
         expiry_entry_id = v.expiry_entry_id, updated_at = v.updated_at
    from unnest($58::text[], $59::bigint[], $60::bigint[], $61::bigint[], $62::text[], $63::text[], $64::text[], $76::text[])
         as v(id, expected_remaining, remaining, expired_amount, status, expiry_entry_id, updated_at, expected_status)
   where l.id = v.id and l.status = v.expected_status and l.remaining_amount = v.expected_remaining
  returning 1
), draws as (
  insert into lot_draws (entry_id, lot_id, amount)
  select * from unnest($65::text[], $66::text[], $67::bigint[])
  returning 1
), jobs as (
  insert into jobs (id, kind, key, payload, state, due_at, created_at, updated_at)
  select v.id, v.kind, v.key, v.payload, 'pending', v.due_at, v.created_at, v.created_at
    from unnest($68::text[], $69::text[], $70::text[], $71::text[], $72::text[], $73::text[])
         as v(id, kind, key, payload, due_at, created_at)
  on conflict (kind, key) do nothing
  returning 1
), moved as (
  update wallets w
     set balance = v.balance, entry_count = v.entry_count, updated_at = v.updated_at, next_expiry_at = v.next_expiry_at,
         held_amount = v.held, pool_in = v.pool_in, pool_out = v.pool_out, pool_held = v.pool_held
    from unnest($23::text[], $24::text[], $25::bigint[], $26::bigint[], $27::bigint[], $28::bigint[], $29::text[], $39::text[],
                $74::bigint[], $75::bigint[], $79::bigint[], $80::bigint[], $81::bigint[])
         as v(customer_id, currency, expected_balance, expected_entry_count, balance, entry_count, updated_at, next_expiry_at,
              expected_held, held, pool_in, pool_out, pool_held)
   where w.customer_id = v.customer_id and w.currency = v.currency
     and w.balance = v.expected_balance and w.entry_count = v.expected_entry_count and w.held_amount = v.expected_held
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
       (select count(*) from moved)::int as moved, (select count(*) from advanced)::int as advanced,
       (select count(*) from lots)::int as lots, (select count(*) from lots_moved)::int as lots_moved,
       (select count(*) from draws)::int as draws, (select count(*) from jobs)::int as jobs`;

/** Only batches with hold commands: the holds they name (or their keys point to), and the lots active ones reserved. */
const loadHoldsStatement = `
with h as (select * from holds where id = any($1::text[]))
select (select coalesce(json_agg(h), '[]'::json) from h) as holds,
       (select coalesce(json_agg(l), '[]'::json) from credit_lots l
         where l.id in (select x->>'lot_id' from h, json_array_elements(h.lots::json) x where h.status = 'active')) as lots`;

/** Only batches with hold commands: new holds and holds leaving the active state. */
const writeHoldsStatement = `
with inserted as (
  insert into holds (id, business_id, customer_id, currency, amount, captured_amount, status, reason, event_type,
                     reference_object_id, expires_at, lots, capture_entry_id, idempotency_scope, idempotency_key, created_at, updated_at)
  select * from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::bigint[], $7::text[], $8::text[], $9::text[],
                       $10::text[], $11::text[], $12::text[], $13::text[], $14::text[], $15::text[], $16::text[], $17::text[])
  returning 1
), moved as (
  update holds h
     set status = v.status, captured_amount = v.captured_amount, capture_entry_id = v.capture_entry_id, updated_at = v.updated_at
    from unnest($18::text[], $19::text[], $20::bigint[], $21::text[], $22::text[]) as v(id, status, captured_amount, capture_entry_id, updated_at)
   where h.id = v.id and h.status = 'active'
  returning 1
)
select (select count(*) from inserted)::int as inserted, (select count(*) from moved)::int as moved`;

/** Rare: a wallet of a currency configured after its customer was created (before the entries that reference it). */
const insertWalletsStatement = `
insert into wallets (customer_id, currency, business_id, balance, entry_count, created_at, updated_at, next_expiry_at, held_amount,
                     pool_in, pool_out, pool_held)
select * from unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::bigint[], $6::text[], $7::text[], $8::text[], $9::bigint[],
                     $10::bigint[], $11::bigint[], $12::bigint[])`;

/** A wallet row with its customer's columns beside it. */
type LockedRow = LoadedWallet & { customer_business_id: string; customer_entry_count: number };

type RecordRow = IdempotencyRecordRow & { entry: LedgerEntriesTable | null };

const column = <T, K extends keyof T>(rows: readonly T[], key: K): Array<T[K]> => rows.map((row) => row[key]);

function loaded(wallets: LockedRow[], records: RecordRow[], lots: LotRow[], request: LoadRequest): LoadedBatch {
  const customers = new Map<string, LockedCustomer>();
  const walletRows: LoadedWallet[] = [];
  for (const { customer_business_id, customer_entry_count, ...wallet } of wallets) {
    customers.set(wallet.customer_id, { id: wallet.customer_id, business_id: customer_business_id, entry_count: customer_entry_count });
    walletRows.push(wallet);
  }
  // The function read the lots of exactly these wallets (the same rule, on the same rows, under the same locks).
  const now = batchTime(request.now, walletRows);
  const walletsByKey = new Map(walletRows.map((w) => [walletKey(w.customer_id, w.currency), w]));
  const lotWalletsLoaded = request.lotWallets
    .filter(({ customerId, currency, need }) => {
      const wallet = walletsByKey.get(walletKey(customerId, currency));
      return wallet !== undefined && needsLots(need, wallet, now);
    })
    .map(({ customerId, currency }) => walletKey(customerId, currency));
  return {
    customers: [...customers.values()],
    wallets: walletRows,
    records: records.map(({ entry, ...record }) => ({ record, entry })),
    lots,
    lotWalletsLoaded,
    holds: [],
    holdLots: [],
  };
}

function writeParameters(set: WriteSet): unknown[] {
  const { entries, idempotencyRecords: records, walletMoves: moves, customerMoves, events, newLots: lots, lotMoves, draws, jobs } = set;
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
    column(moves, 'nextExpiryAt'),
    column(lots, 'id'), column(lots, 'business_id'), column(lots, 'customer_id'), column(lots, 'currency'), column(lots, 'amount'),
    column(lots, 'remaining_amount'), column(lots, 'expired_amount'), column(lots, 'category'), column(lots, 'category_rank'),
    column(lots, 'expires_at'), column(lots, 'expires_order'), column(lots, 'status'), column(lots, 'wallet_seq'),
    column(lots, 'source_entry_id'), column(lots, 'expiry_entry_id'), column(lots, 'notice_sent_at'), column(lots, 'created_at'),
    column(lots, 'updated_at'),
    column(lotMoves, 'id'), column(lotMoves, 'expectedRemaining'), column(lotMoves, 'remaining'), column(lotMoves, 'expiredAmount'),
    column(lotMoves, 'status'), column(lotMoves, 'expiryEntryId'), column(lotMoves, 'updatedAt'),
    column(draws, 'entry_id'), column(draws, 'lot_id'), column(draws, 'amount'),
    column(jobs, 'id'), column(jobs, 'kind'), column(jobs, 'key'), column(jobs, 'payload'), column(jobs, 'dueAt'), column(jobs, 'createdAt'),
    column(moves, 'expectedHeld'), column(moves, 'held'),
    column(lotMoves, 'expectedStatus'),
    column(entries, 'pool_offset'), column(entries, 'pool_amount'),
    column(moves, 'poolIn'), column(moves, 'poolOut'), column(moves, 'poolHeld'),
  ];
}

/** Round trips per batch: BEGIN, load, write, COMMIT (one more only when a wallet must be created). */
export function postgresWriterStore(pool: pg.Pool): WriterStore {
  const transactionOn = (client: pg.PoolClient): WriterTransaction => ({
    async load(request: LoadRequest) {
      const result = await client.query<{ wallets: LockedRow[]; records: RecordRow[]; lots: LotRow[] }>({
        name: 'coffer_ledger_load_v3',
        text: loadStatement,
        values: [
          request.customerIds, column(request.keys, 'businessId'), column(request.keys, 'scope'), column(request.keys, 'key'),
          column(request.lotWallets, 'customerId'), column(request.lotWallets, 'currency'), column(request.lotWallets, 'need'), request.now,
        ],
      });
      const batch = loaded(result.rows[0].wallets, result.rows[0].records, result.rows[0].lots, request);
      const holdIds = new Set(request.holdIds);
      for (const { record } of batch.records) if (record.result_type === 'hold' && record.result_id !== null) holdIds.add(record.result_id);
      if (holdIds.size > 0) {
        const holds = await client.query<{ holds: HoldRow[]; lots: LotRow[] }>({ name: 'coffer_ledger_load_holds_v1', text: loadHoldsStatement, values: [[...holdIds]] });
        batch.holds = holds.rows[0].holds;
        batch.holdLots = holds.rows[0].lots;
      }
      return batch;
    },
    async write(set: WriteSet) {
      const wallets = set.newWallets;
      if (wallets.length > 0) {
        await client.query({
          name: 'coffer_ledger_insert_wallets_v4',
          text: insertWalletsStatement,
          values: [
            column(wallets, 'customer_id'), column(wallets, 'currency'), column(wallets, 'business_id'), column(wallets, 'balance'),
            column(wallets, 'entry_count'), column(wallets, 'created_at'), column(wallets, 'updated_at'), column(wallets, 'next_expiry_at'),
            column(wallets, 'held_amount'), column(wallets, 'pool_in'), column(wallets, 'pool_out'), column(wallets, 'pool_held'),
          ],
        });
      }
      const result = await client.query<{
        entries: number; records: number; events: number; moved: number; advanced: number; lots: number; lots_moved: number; draws: number; jobs: number;
      }>({
        name: 'coffer_ledger_write_v5',
        text: writeStatement,
        values: writeParameters(set),
      });
      const counts = result.rows[0];
      expectCount('ledger entries', counts.entries, set.entries.length);
      expectCount('idempotency records', counts.records, set.idempotencyRecords.length);
      expectCount('events', counts.events, set.events.length);
      expectCount('wallet balances', counts.moved, set.walletMoves.length);
      expectCount('customer entry counters', counts.advanced, set.customerMoves.length);
      expectCount('lots', counts.lots, set.newLots.length);
      expectCount('lot remainders', counts.lots_moved, set.lotMoves.length);
      expectCount('lot draws', counts.draws, set.draws.length);
      if (set.newHolds.length > 0 || set.holdMoves.length > 0) {
        const h = set.newHolds;
        const m = set.holdMoves;
        const written = await client.query<{ inserted: number; moved: number }>({
          name: 'coffer_ledger_write_holds_v1',
          text: writeHoldsStatement,
          values: [
            column(h, 'id'), column(h, 'business_id'), column(h, 'customer_id'), column(h, 'currency'), column(h, 'amount'), column(h, 'captured_amount'),
            column(h, 'status'), column(h, 'reason'), column(h, 'event_type'), column(h, 'reference_object_id'), column(h, 'expires_at'), column(h, 'lots'),
            column(h, 'capture_entry_id'), column(h, 'idempotency_scope'), column(h, 'idempotency_key'), column(h, 'created_at'), column(h, 'updated_at'),
            column(m, 'id'), column(m, 'status'), column(m, 'capturedAmount'), column(m, 'captureEntryId'), column(m, 'updatedAt'),
          ],
        });
        expectCount('holds', written.rows[0].inserted, h.length);
        expectCount('hold moves', written.rows[0].moved, m.length);
      }
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
