// SQL for webhook endpoints and the client idempotency records of their creation; no business rules.
import type { Kysely, Transaction } from 'kysely';
import type { StoreKind } from '../config/config.ts';
import type { Database, WebhookEndpointsTable } from '../db/schema.ts';

/** The caller's transaction, or the database for a statement on its own. */
export type Executor = Kysely<Database> | Transaction<Database>;

export type EndpointChanges = Partial<
  Pick<WebhookEndpointsTable, 'url' | 'description' | 'metadata' | 'disabled' | 'disabled_reason' | 'filter_types' | 'headers' | 'rate_limit' | 'secret' | 'previous_secret' | 'previous_secret_expires_at' | 'updated_at'>
>;

/**
 * One endpoint of one business. `lock` takes its row lock until the transaction ends (PostgreSQL; SQLite runs one
 * transaction at a time on Coffer's connection, so a read there is already exclusive).
 */
export async function findEndpoint(db: Executor, businessId: string, id: string, lock: StoreKind | null = null): Promise<WebhookEndpointsTable | undefined> {
  let query = db.selectFrom('webhook_endpoints').selectAll().where('id', '=', id).where('business_id', '=', businessId);
  if (lock === 'postgres') query = query.forUpdate();
  return query.executeTakeFirst();
}

/** Serialises endpoint creation within one business (PostgreSQL), so that the count and the key checks hold. */
export async function lockBusiness(trx: Transaction<Database>, store: StoreKind, businessId: string): Promise<void> {
  if (store !== 'postgres') return;
  await trx.selectFrom('businesses').select('id').where('id', '=', businessId).forUpdate().execute();
}

export async function countEndpoints(db: Executor, businessId: string): Promise<number> {
  const row = await db.selectFrom('webhook_endpoints').select((eb) => eb.fn.countAll<number | string>().as('count')).where('business_id', '=', businessId).executeTakeFirstOrThrow();
  return Number(row.count);
}

export async function insertEndpoint(db: Executor, row: WebhookEndpointsTable): Promise<void> {
  await db.insertInto('webhook_endpoints').values(row).execute();
}

export async function updateEndpoint(db: Executor, businessId: string, id: string, changes: EndpointChanges): Promise<void> {
  await db.updateTable('webhook_endpoints').set(changes).where('id', '=', id).where('business_id', '=', businessId).execute();
}

/** Returns how many rows went (0 or 1). */
export async function deleteEndpoint(db: Executor, businessId: string, id: string): Promise<number> {
  const result = await db.deleteFrom('webhook_endpoints').where('id', '=', id).where('business_id', '=', businessId).executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** Endpoints in id order after `afterId` (exclusive; null: from the first). */
export async function listEndpoints(db: Executor, businessId: string, afterId: string | null, limit: number): Promise<WebhookEndpointsTable[]> {
  let query = db.selectFrom('webhook_endpoints').selectAll().where('business_id', '=', businessId);
  if (afterId !== null) query = query.where('id', '>', afterId);
  return query.orderBy('id').limit(limit).execute();
}

export { findClientRecord, insertRecord } from '../db/client-records.ts';
