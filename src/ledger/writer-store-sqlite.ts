// SQLite writer store: statements prepared once on the raw connection, run synchronously inside BEGIN IMMEDIATE.
import type SQLite from 'better-sqlite3';
import type { Kysely } from 'kysely';
import type { Database, HoldLotReservation, LedgerEntriesTable } from '../db/schema.ts';
import {
  type LoadRequest,
  type LoadedBatch,
  type LoadedRecord,
  type LoadedWallet,
  type LockedCustomer,
  type WriteSet,
  batchTime,
  lotPicker,
  needsLots,
  walletKey,
} from './batch-state.ts';
import type { HoldRow, LotRow } from './commands.ts';
import type { IdempotencyRecordRow } from './idempotency.ts';
import { type WriterStore, type WriterTransaction, expectCount } from './writer-store.ts';

const entryColumns = [
  'id', 'business_id', 'customer_id', 'currency', 'amount', 'is_credit', 'event_type', 'reason', 'reference_object_id',
  'idempotency_key', 'before_balance', 'after_balance', 'customer_seq', 'wallet_seq', 'created_at', 'pool_offset', 'pool_amount',
] as const;
const walletColumns = [
  'customer_id', 'currency', 'business_id', 'balance', 'entry_count', 'created_at', 'updated_at', 'next_expiry_at', 'held_amount',
  'pool_in', 'pool_out', 'pool_held',
] as const;
const lotColumns = [
  'id', 'business_id', 'customer_id', 'currency', 'amount', 'remaining_amount', 'expired_amount', 'category', 'category_rank',
  'expires_at', 'expires_order', 'status', 'wallet_seq', 'source_entry_id', 'expiry_entry_id', 'notice_sent_at', 'created_at', 'updated_at',
] as const;
const recordColumns = ['business_id', 'scope', 'key', 'fingerprint', 'result_type', 'result_id', 'created_at'] as const;
const eventColumns = ['id', 'business_id', 'type', 'customer_id', 'data', 'created_at'] as const;
const holdColumns = [
  'id', 'business_id', 'customer_id', 'currency', 'amount', 'captured_amount', 'status', 'reason', 'event_type', 'reference_object_id',
  'expires_at', 'lots', 'capture_entry_id', 'idempotency_scope', 'idempotency_key', 'created_at', 'updated_at',
] as const;

/** Lots read at first per wallet: a debit on a wallet of plain credits needs one or two. */
const lotsFirstRead = 4;

/** better-sqlite3 refuses named parameters the statement does not use: pass only the columns. */
function pick<T extends object, K extends keyof T>(row: T, columns: readonly K[]): Pick<T, K> {
  const out = {} as Pick<T, K>;
  for (const column of columns) out[column] = row[column];
  return out;
}

const insertSql = (table: string, columns: readonly string[], tail = '') =>
  `insert into ${table} (${columns.join(', ')}) values (${columns.map((c) => `@${c}`).join(', ')}) ${tail}`;

/**
 * One writer at a time holds SQLite's write lock (BEGIN IMMEDIATE), so the customers it reads are locked for the
 * whole batch. The batch runs on Kysely's connection (taken through `db.connection()`, so no Kysely query can
 * interleave), but its statements go straight to better-sqlite3, prepared once: no query building, no SQL parsing,
 * and one row per statement call, whatever the batch size.
 */
export function sqliteWriterStore(db: Kysely<Database>, database: SQLite.Database): WriterStore {
  const statements = {
    begin: database.prepare('begin immediate'),
    commit: database.prepare('commit'),
    rollback: database.prepare('rollback'),
    customers: database.prepare<[string]>(
      'select id, business_id, entry_count from customers where id in (select value from json_each(?)) order by id',
    ),
    wallets: database.prepare<[string]>(
      `select ${walletColumns.map((c) => `w.${c}`).join(', ')}, coalesce(t.amount, d.amount) as low_balance_effective
         from wallets w
         left join low_balance_thresholds t on t.customer_id = w.customer_id and t.currency = w.currency
         left join low_balance_defaults d on d.business_id = w.business_id and d.currency = w.currency
        where w.customer_id in (select value from json_each(?))`,
    ),
    record: database.prepare<[string, string, string]>(
      `select ${recordColumns.join(', ')} from idempotency_records where business_id = ? and scope = ? and key = ?`,
    ),
    entry: database.prepare<[string]>(`select ${entryColumns.join(', ')} from ledger_entries where id = ?`),
    insertEntry: database.prepare(insertSql('ledger_entries', entryColumns)),
    insertRecord: database.prepare(insertSql('idempotency_records', recordColumns, 'on conflict do nothing')),
    insertWallet: database.prepare(insertSql('wallets', walletColumns)),
    insertEvent: database.prepare(insertSql('events', eventColumns)),
    // The consumption order, read through credit_lots_consumption and stopped as soon as the batch has what it needs.
    // A wallet's first lots in consumption order, through credit_lots_consumption: a few with .all (cheaper than an
    // iterator, and a literal LIMIT: a bound one costs five times as much), then, rarely, all of them one by one.
    firstLots: database.prepare<[string, string]>(
      `select ${lotColumns.join(', ')} from credit_lots
        where customer_id = ? and currency = ? and status = 'active'
        order by expires_order, category_rank, wallet_seq limit ${lotsFirstRead}`,
    ),
    lots: database.prepare<[string, string]>(
      `select ${lotColumns.join(', ')} from credit_lots
        where customer_id = ? and currency = ? and status = 'active'
        order by expires_order, category_rank, wallet_seq`,
    ),
    // The lot statements bind by position: they run once per credit or debit, and named binding costs a lookup each.
    insertLot: database.prepare(`insert into credit_lots (${lotColumns.join(', ')}) values (${lotColumns.map(() => '?').join(', ')})`),
    moveLot: database.prepare(
      `update credit_lots set remaining_amount = ?, expired_amount = ?, status = ?, expiry_entry_id = ?, updated_at = ?
        where id = ? and status = ? and remaining_amount = ?`,
    ),
    // Holds: read and written only by batches with hold commands (a plain credit or debit never runs these).
    hold: database.prepare<[string]>(`select ${holdColumns.join(', ')} from holds where id = ?`),
    lotById: database.prepare<[string]>(`select ${lotColumns.join(', ')} from credit_lots where id = ?`),
    insertHold: database.prepare(insertSql('holds', holdColumns)),
    moveHold: database.prepare(
      `update holds set status = @status, captured_amount = @capturedAmount, capture_entry_id = @captureEntryId, updated_at = @updatedAt
        where id = @id and status = 'active'`,
    ),
    insertDraw: database.prepare('insert into lot_draws (entry_id, lot_id, amount) values (?, ?, ?)'),
    insertJob: database.prepare(
      `insert into jobs (id, kind, key, payload, state, due_at, created_at, updated_at)
       values (@id, @kind, @key, @payload, 'pending', @dueAt, @createdAt, @createdAt) on conflict (kind, key) do nothing`,
    ),
    moveWallet: database.prepare(
      `update wallets set balance = @balance, entry_count = @entryCount, updated_at = @updatedAt, next_expiry_at = @nextExpiryAt, held_amount = @held,
              pool_in = @poolIn, pool_out = @poolOut, pool_held = @poolHeld
        where customer_id = @customerId and currency = @currency and balance = @expectedBalance and entry_count = @expectedEntryCount
          and held_amount = @expectedHeld`,
    ),
    moveCustomer: database.prepare(
      'update customers set entry_count = @entryCount where id = @customerId and entry_count = @expectedEntryCount',
    ),
  };

  /** The lots the picker takes: the first few, and if they are not enough, the rest read one by one until they are. */
  const lotsFor = (customerId: string, currency: string, need: number, now: string): LotRow[] => {
    const first = statements.firstLots.all(customerId, currency) as LotRow[];
    let picker = lotPicker(need, now);
    for (let index = 0; index < first.length; index++) {
      if (picker(first[index]) === 'take_and_stop') return first.slice(0, index + 1);
    }
    if (first.length < lotsFirstRead) return first;
    const taken: LotRow[] = [];
    picker = lotPicker(need, now);
    for (const lot of statements.lots.iterate(customerId, currency) as IterableIterator<LotRow>) {
      taken.push(lot);
      if (picker(lot) === 'take_and_stop') break;
    }
    return taken;
  };

  const tx: WriterTransaction = {
    async load(request: LoadRequest): Promise<LoadedBatch> {
      const ids = JSON.stringify(request.customerIds);
      const customers = statements.customers.all(ids) as LockedCustomer[];
      const wallets = customers.length > 0 ? (statements.wallets.all(ids) as LoadedWallet[]) : [];
      const records: LoadedRecord[] = [];
      for (const { businessId, scope, key } of request.keys) {
        const record = statements.record.get(businessId, scope, key) as IdempotencyRecordRow | undefined;
        if (!record) continue;
        const entry = record.result_id === null ? undefined : (statements.entry.get(record.result_id) as LedgerEntriesTable | undefined);
        records.push({ record, entry: entry ?? null });
      }
      const holdIds = new Set(request.holdIds);
      for (const { record } of records) if (record.result_type === 'hold' && record.result_id !== null) holdIds.add(record.result_id);
      const holds: HoldRow[] = [];
      const holdLots: LotRow[] = [];
      for (const id of holdIds) {
        const hold = statements.hold.get(id) as HoldRow | undefined;
        if (!hold) continue;
        holds.push(hold);
        if (hold.status !== 'active') continue;
        for (const part of JSON.parse(hold.lots) as HoldLotReservation[]) {
          if (part.lot_id === null) continue;
          const lot = statements.lotById.get(part.lot_id) as LotRow | undefined;
          if (lot) holdLots.push(lot);
        }
      }
      const now = batchTime(request.now, wallets);
      const lots: LotRow[] = [];
      const lotWalletsLoaded: string[] = [];
      const walletsByKey = new Map(wallets.map((w) => [walletKey(w.customer_id, w.currency), w]));
      for (const { customerId, currency, need } of request.lotWallets) {
        const wallet = walletsByKey.get(walletKey(customerId, currency));
        if (!wallet || !needsLots(need, wallet, now)) continue;
        lotWalletsLoaded.push(walletKey(customerId, currency));
        lots.push(...lotsFor(customerId, currency, need, now));
      }
      return { customers, wallets, records, lots, lotWalletsLoaded, holds, holdLots };
    },
    async write(set: WriteSet): Promise<void> {
      for (const wallet of set.newWallets) statements.insertWallet.run(pick(wallet, walletColumns));
      for (const entry of set.entries) statements.insertEntry.run(entry);
      for (const lot of set.newLots) statements.insertLot.run(lotColumns.map((column) => lot[column]));
      let lotsMoved = 0;
      for (const m of set.lotMoves) {
        lotsMoved += statements.moveLot.run(m.remaining, m.expiredAmount, m.status, m.expiryEntryId, m.updatedAt, m.id, m.expectedStatus, m.expectedRemaining).changes;
      }
      expectCount('lot remainders', lotsMoved, set.lotMoves.length);
      for (const draw of set.draws) statements.insertDraw.run(draw.entry_id, draw.lot_id, draw.amount);
      for (const job of set.jobs) statements.insertJob.run(job);
      for (const hold of set.newHolds) statements.insertHold.run(pick(hold, holdColumns));
      let holdsMoved = 0;
      for (const move of set.holdMoves) holdsMoved += statements.moveHold.run(move).changes;
      expectCount('holds', holdsMoved, set.holdMoves.length);
      for (const event of set.events) statements.insertEvent.run(pick(event, eventColumns));
      let recorded = 0;
      for (const record of set.idempotencyRecords) recorded += statements.insertRecord.run(record).changes;
      expectCount('idempotency records', recorded, set.idempotencyRecords.length);
      let moved = 0;
      for (const move of set.walletMoves) moved += statements.moveWallet.run(move).changes;
      expectCount('wallet balances', moved, set.walletMoves.length);
      let advanced = 0;
      for (const move of set.customerMoves) advanced += statements.moveCustomer.run(move).changes;
      expectCount('customer entry counters', advanced, set.customerMoves.length);
    },
  };

  return {
    description:
      'SQLite: BEGIN IMMEDIATE, 2 reads + 2 per key + 1 per wallet debited or due to expire, one prepared insert per entry, record, event, lot, draw and job, one update per wallet, customer and lot moved, COMMIT',
    transaction<T>(work: (tx: WriterTransaction) => Promise<T>): Promise<T> {
      return db.connection().execute(async () => {
        statements.begin.run();
        try {
          const result = await work(tx);
          statements.commit.run();
          return result;
        } catch (error) {
          if (database.inTransaction) statements.rollback.run();
          throw error;
        }
      });
    },
  };
}
