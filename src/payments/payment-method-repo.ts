// SQL for payment methods and the client idempotency records of their attachment; no business rules.
import type { Kysely, Transaction } from 'kysely';
import type { StoreKind } from '../config/config.ts';
import type { Database, PaymentMethodsTable } from '../db/schema.ts';

/** The caller's transaction, or the database for a statement on its own. */
export type Executor = Kysely<Database> | Transaction<Database>;

/**
 * Whether the customer exists in the business; on PostgreSQL its row stays locked until the transaction ends, which
 * serialises changes to one customer's methods (SQLite runs one transaction at a time on Coffer's connection).
 */
export async function lockCustomer(db: Executor, store: StoreKind | null, businessId: string, customerId: string): Promise<boolean> {
  let query = db.selectFrom('customers').select('id').where('id', '=', customerId).where('business_id', '=', businessId);
  if (store === 'postgres') query = query.forUpdate();
  return (await query.executeTakeFirst()) !== undefined;
}

/** The customer's methods: the primary first, then in the order they were attached. */
export async function listMethods(db: Executor, businessId: string, customerId: string): Promise<PaymentMethodsTable[]> {
  return db
    .selectFrom('payment_methods')
    .selectAll()
    .where('business_id', '=', businessId)
    .where('customer_id', '=', customerId)
    .orderBy('is_primary', 'desc')
    .orderBy('created_at')
    .orderBy('payment_method_id')
    .execute();
}

export async function findMethod(db: Executor, businessId: string, customerId: string, id: string): Promise<PaymentMethodsTable | undefined> {
  return db
    .selectFrom('payment_methods')
    .selectAll()
    .where('business_id', '=', businessId)
    .where('customer_id', '=', customerId)
    .where('payment_method_id', '=', id)
    .executeTakeFirst();
}

export async function countMethods(db: Executor, businessId: string, customerId: string): Promise<number> {
  const row = await db
    .selectFrom('payment_methods')
    .select((eb) => eb.fn.countAll<number | string>().as('count'))
    .where('business_id', '=', businessId)
    .where('customer_id', '=', customerId)
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

export async function insertMethod(db: Executor, row: PaymentMethodsTable): Promise<void> {
  await db.insertInto('payment_methods').values(row).execute();
}

/** Clears the customer's primary flag (before another method takes it). */
export async function clearPrimary(db: Executor, businessId: string, customerId: string, now: string): Promise<void> {
  await db
    .updateTable('payment_methods')
    .set({ is_primary: 0, updated_at: now })
    .where('business_id', '=', businessId)
    .where('customer_id', '=', customerId)
    .where('is_primary', '=', 1)
    .execute();
}

export async function setPrimary(db: Executor, businessId: string, customerId: string, id: string, now: string): Promise<void> {
  await db
    .updateTable('payment_methods')
    .set({ is_primary: 1, updated_at: now })
    .where('business_id', '=', businessId)
    .where('customer_id', '=', customerId)
    .where('payment_method_id', '=', id)
    .execute();
}

/** Returns how many rows went (0 or 1). */
export async function deleteMethod(db: Executor, businessId: string, customerId: string, id: string): Promise<number> {
  const result = await db
    .deleteFrom('payment_methods')
    .where('business_id', '=', businessId)
    .where('customer_id', '=', customerId)
    .where('payment_method_id', '=', id)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

export async function markUsed(db: Executor, businessId: string, customerId: string, id: string, now: string): Promise<void> {
  await db
    .updateTable('payment_methods')
    .set({ last_used_at: now, updated_at: now })
    .where('business_id', '=', businessId)
    .where('customer_id', '=', customerId)
    .where('payment_method_id', '=', id)
    .execute();
}

export { findClientRecord, insertRecord } from '../db/client-records.ts';
