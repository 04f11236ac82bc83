// SQL of the ledger: locking customers, reading wallets and keys, appending entries, moving balances. No rules here.
import { type Kysely, type Transaction, sql } from 'kysely';
import type { StoreKind } from '../config/config.ts';
import type { Database, LedgerEntriesTable, WalletsTable } from '../db/schema.ts';

type Executor = Kysely<Database> | Transaction<Database>;

export interface LockedCustomer {
  id: string;
  business_id: string;
  entry_count: number;
}

/**
 * Reads the customers a batch touches and, on PostgreSQL, locks their rows in id order. Every ledger write locks
 * its customer first, so writers on one customer serialize and lock order can never deadlock.
 */
export async function lockCustomers(trx: Executor, store: StoreKind, ids: string[]): Promise<LockedCustomer[]> {
  const query = trx
    .selectFrom('customers')
    .select(['id', 'business_id', 'entry_count'])
    .where('id', 'in', ids)
    .orderBy('id');
  return store === 'postgres' ? query.forUpdate().execute() : query.execute();
}

export async function selectWallets(trx: Executor, customerIds: string[]): Promise<WalletsTable[]> {
  return trx.selectFrom('wallets').selectAll().where('customer_id', 'in', customerIds).execute();
}

export async function insertWalletsIfAbsent(trx: Executor, wallets: WalletsTable[]): Promise<void> {
  if (wallets.length === 0) return;
  await trx
    .insertInto('wallets')
    .values(wallets)
    .onConflict((oc) => oc.columns(['customer_id', 'currency']).doNothing())
    .execute();
}

export async function findEntriesByKeys(trx: Executor, businessId: string, keys: string[]): Promise<LedgerEntriesTable[]> {
  if (keys.length === 0) return [];
  return trx
    .selectFrom('ledger_entries')
    .selectAll()
    .where('business_id', '=', businessId)
    .where('idempotency_key', 'in', keys)
    .execute();
}

/**
 * Appends entries; an entry whose idempotency key another transaction committed meanwhile is skipped. Returns the
 * ids actually written, so the caller can tell.
 */
export async function insertEntries(trx: Executor, entries: LedgerEntriesTable[]): Promise<string[]> {
  if (entries.length === 0) return [];
  const rows = await trx
    .insertInto('ledger_entries')
    .values(entries)
    .onConflict((oc) => oc.columns(['business_id', 'idempotency_key']).doNothing())
    .returning('id')
    .execute();
  return rows.map((r) => r.id);
}

export interface WalletMove {
  customerId: string;
  currency: string;
  /** The balance and entry count the batch read; the update applies only if they still hold. */
  expectedBalance: number;
  expectedEntryCount: number;
  balanceDelta: number;
  entryCountDelta: number;
}

/**
 * Moves each wallet's balance by its delta in one statement, conditional on the balance the batch computed from.
 * Returns how many wallets moved; anything short of all of them means the batch must not commit.
 */
export async function moveWallets(trx: Executor, moves: WalletMove[], updatedAt: string): Promise<number> {
  if (moves.length === 0) return 0;
  const result = await moveWalletsStatement(moves, updatedAt).execute(trx);
  return Number(result.numAffectedRows ?? 0n);
}

function moveWalletsStatement(moves: WalletMove[], updatedAt: string) {
  const values = sql.join(
    moves.map(
      (m) =>
        sql`(${m.customerId}, ${m.currency}, cast(${m.expectedBalance} as bigint), cast(${m.expectedEntryCount} as bigint), cast(${m.balanceDelta} as bigint), cast(${m.entryCountDelta} as bigint))`,
    ),
  );
  // VALUES columns are named column1..column6 on both PostgreSQL and SQLite.
  return sql`
    update wallets
       set balance = wallets.balance + v.column5,
           entry_count = wallets.entry_count + v.column6,
           updated_at = ${updatedAt}
      from (values ${values}) as v
     where wallets.customer_id = v.column1
       and wallets.currency = v.column2
       and wallets.balance = v.column3
       and wallets.entry_count = v.column4`;
}

export interface CustomerCountMove {
  customerId: string;
  expectedEntryCount: number;
  entryCountDelta: number;
}

export async function advanceCustomerCounts(trx: Executor, moves: CustomerCountMove[]): Promise<number> {
  if (moves.length === 0) return 0;
  const result = await advanceCustomerCountsStatement(moves).execute(trx);
  return Number(result.numAffectedRows ?? 0n);
}

function advanceCustomerCountsStatement(moves: CustomerCountMove[]) {
  const values = sql.join(
    moves.map((m) => sql`(${m.customerId}, cast(${m.expectedEntryCount} as bigint), cast(${m.entryCountDelta} as bigint))`),
  );
  return sql`
    update customers
       set entry_count = customers.entry_count + v.column3
      from (values ${values}) as v
     where customers.id = v.column1
       and customers.entry_count = v.column2`;
}

export interface BatchWrite {
  entries: LedgerEntriesTable[];
  walletMoves: WalletMove[];
  customerMoves: CustomerCountMove[];
  updatedAt: string;
}

/** How many entries were inserted, wallets moved and customer counters advanced; the caller compares with what it asked. */
export interface BatchWriteCounts {
  inserted: number;
  moved: number;
  advanced: number;
}

/**
 * Appends a batch's entries and applies its balance and counter moves. On PostgreSQL the three statements travel as
 * one (data-modifying CTEs), saving two round trips per batch; on SQLite, where a statement costs no round trip, they
 * run one after another.
 */
export async function writeBatch(trx: Executor, store: StoreKind, write: BatchWrite): Promise<BatchWriteCounts> {
  const { entries, walletMoves, customerMoves, updatedAt } = write;
  if (store === 'sqlite' || entries.length === 0 || walletMoves.length === 0 || customerMoves.length === 0) {
    return {
      inserted: (await insertEntries(trx, entries)).length,
      moved: await moveWallets(trx, walletMoves, updatedAt),
      advanced: await advanceCustomerCounts(trx, customerMoves),
    };
  }
  const insert = trx
    .insertInto('ledger_entries')
    .values(entries)
    .onConflict((oc) => oc.columns(['business_id', 'idempotency_key']).doNothing())
    .returning('id');
  const result = await sql<{ inserted: number; moved: number; advanced: number }>`
    with inserted as (${insert}),
         moved as (${moveWalletsStatement(walletMoves, updatedAt)} returning 1),
         advanced as (${advanceCustomerCountsStatement(customerMoves)} returning 1)
    select (select count(*) from inserted) as inserted,
           (select count(*) from moved) as moved,
           (select count(*) from advanced) as advanced`.execute(trx);
  const row = result.rows[0];
  return { inserted: Number(row.inserted), moved: Number(row.moved), advanced: Number(row.advanced) };
}

/** The wallets of one customer of one business (empty when the customer is unknown or belongs to another business). */
export async function walletsOfCustomer(db: Executor, businessId: string, customerId: string): Promise<WalletsTable[]> {
  return db
    .selectFrom('wallets')
    .selectAll()
    .where('customer_id', '=', customerId)
    .where('business_id', '=', businessId)
    .orderBy('currency')
    .execute();
}

export async function customerEntryCount(db: Executor, businessId: string, customerId: string): Promise<number | undefined> {
  const row = await db
    .selectFrom('customers')
    .select('entry_count')
    .where('id', '=', customerId)
    .where('business_id', '=', businessId)
    .executeTakeFirst();
  return row?.entry_count;
}

/** Entries with customer_seq (or, with a currency, wallet_seq) in [low, high], newest first, by index range. */
export async function entriesBySequence(
  db: Executor,
  customerId: string,
  currency: string | undefined,
  low: number,
  high: number,
): Promise<LedgerEntriesTable[]> {
  let query = db.selectFrom('ledger_entries').selectAll().where('customer_id', '=', customerId);
  query =
    currency === undefined
      ? query.where('customer_seq', '>=', low).where('customer_seq', '<=', high).orderBy('customer_seq', 'desc')
      : query
          .where('currency', '=', currency)
          .where('wallet_seq', '>=', low)
          .where('wallet_seq', '<=', high)
          .orderBy('wallet_seq', 'desc');
  return query.execute();
}
