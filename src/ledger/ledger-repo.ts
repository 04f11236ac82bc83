// SQL of the ledger's reads (wallets, entry pages); every write goes through the writer store (writer-store-*.ts).
import type { Kysely, Transaction } from 'kysely';
import type { Database, LedgerEntriesTable, WalletsTable } from '../db/schema.ts';

/** The caller's transaction, or the database for a read on its own. */
export type Executor = Kysely<Database> | Transaction<Database>;

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
