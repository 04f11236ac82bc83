// SQL of the ledger's reads (wallets, entry pages); every write goes through the writer store (writer-store-*.ts).
import type { Kysely, Transaction } from 'kysely';
import { preparedQuery } from '../db/prepared.ts';
import type { Database, LedgerEntriesTable, WalletsTable } from '../db/schema.ts';

/** The caller's transaction, or the database for a read on its own. */
export type Executor = Kysely<Database> | Transaction<Database>;

const walletsQuery = preparedQuery(['customerId', 'businessId'], (db, p) =>
  db.selectFrom('wallets').selectAll().where('customer_id', '=', p.customerId).where('business_id', '=', p.businessId).orderBy('currency'),
);

/** The wallets of one customer of one business (empty when the customer is unknown or belongs to another business). */
export function walletsOfCustomer(db: Executor, businessId: string, customerId: string): Promise<WalletsTable[]> {
  return walletsQuery(db, { customerId, businessId });
}

const customerEntryCountQuery = preparedQuery(['customerId', 'businessId'], (db, p) =>
  db.selectFrom('customers').select('entry_count').where('id', '=', p.customerId).where('business_id', '=', p.businessId),
);

export async function customerEntryCount(db: Executor, businessId: string, customerId: string): Promise<number | undefined> {
  const [row] = await customerEntryCountQuery(db, { customerId, businessId });
  return row?.entry_count;
}

const entriesByCustomerSeqQuery = preparedQuery(['customerId', 'low', 'high'], (db, p) =>
  db
    .selectFrom('ledger_entries')
    .selectAll()
    .where('customer_id', '=', p.customerId)
    .where('customer_seq', '>=', p.low)
    .where('customer_seq', '<=', p.high)
    .orderBy('customer_seq', 'desc'),
);

const entriesByWalletSeqQuery = preparedQuery(['customerId', 'currency', 'low', 'high'], (db, p) =>
  db
    .selectFrom('ledger_entries')
    .selectAll()
    .where('customer_id', '=', p.customerId)
    .where('currency', '=', p.currency)
    .where('wallet_seq', '>=', p.low)
    .where('wallet_seq', '<=', p.high)
    .orderBy('wallet_seq', 'desc'),
);

/** Entries with customer_seq (or, with a currency, wallet_seq) in [low, high], newest first, by index range. */
export function entriesBySequence(
  db: Executor,
  customerId: string,
  currency: string | undefined,
  low: number,
  high: number,
): Promise<LedgerEntriesTable[]> {
  return currency === undefined
    ? entriesByCustomerSeqQuery(db, { customerId, low, high })
    : entriesByWalletSeqQuery(db, { customerId, currency, low, high });
}
