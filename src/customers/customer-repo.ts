// SQL for customers and the wallets created with them; no business rules.
import { type Kysely, type Transaction, sql } from 'kysely';
import type { CustomersTable, Database, WalletsTable } from '../db/schema.ts';

/** The caller's transaction, or the database for a statement on its own. */
export type Executor = Kysely<Database> | Transaction<Database>;

export type CustomerRow = Omit<CustomersTable, 'entry_count'>;

const customerColumns = ['id', 'business_id', 'email', 'name', 'phone_number', 'metadata', 'created_at', 'updated_at'] as const;

export async function insertCustomer(db: Executor, customer: CustomerRow): Promise<void> {
  await db.insertInto('customers').values({ ...customer, entry_count: 0 }).execute();
}

export async function insertWallets(db: Executor, wallets: WalletsTable[]): Promise<void> {
  await db.insertInto('wallets').values(wallets).execute();
}

export async function findCustomer(db: Executor, businessId: string, id: string): Promise<CustomerRow | undefined> {
  return db
    .selectFrom('customers')
    .select(customerColumns)
    .where('id', '=', id)
    .where('business_id', '=', businessId)
    .executeTakeFirst();
}

export async function updateCustomer(
  db: Executor,
  businessId: string,
  id: string,
  changes: Partial<Pick<CustomersTable, 'email' | 'name' | 'phone_number' | 'metadata' | 'updated_at'>>,
): Promise<void> {
  await db.updateTable('customers').set(changes).where('id', '=', id).where('business_id', '=', businessId).execute();
}

export interface CustomerFilter {
  email?: string;
  namePattern?: string;
  createdAtGte?: string;
  createdAtLte?: string;
}

/** Escapes LIKE wildcards so that a name filter matches them literally. */
export function likeContains(text: string): string {
  return `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

export async function listCustomers(
  db: Executor,
  businessId: string,
  filter: CustomerFilter,
  offset: number,
  limit: number,
): Promise<CustomerRow[]> {
  let query = db.selectFrom('customers').select(customerColumns).where('business_id', '=', businessId);
  if (filter.email !== undefined) query = query.where((eb) => eb(eb.fn('lower', ['email']), '=', filter.email!.toLowerCase()));
  if (filter.namePattern !== undefined) {
    query = query.where(sql<boolean>`lower(name) like ${filter.namePattern} escape '\\'`);
  }
  if (filter.createdAtGte !== undefined) query = query.where('created_at', '>=', filter.createdAtGte);
  if (filter.createdAtLte !== undefined) query = query.where('created_at', '<=', filter.createdAtLte);
  return query.orderBy('created_at', 'desc').orderBy('id', 'desc').offset(offset).limit(limit).execute();
}
