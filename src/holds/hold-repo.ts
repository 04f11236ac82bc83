// SQL of the hold reads; every hold write goes through the ledger writer (writer-store-*.ts).
import type { Kysely } from 'kysely';
import type { Database, HoldsTable } from '../db/schema.ts';

export function holdById(db: Kysely<Database>, businessId: string, holdId: string): Promise<HoldsTable | undefined> {
  return db.selectFrom('holds').selectAll().where('id', '=', holdId).where('business_id', '=', businessId).executeTakeFirst();
}

/** A customer's holds, newest first (ids are time-ordered), one page. */
export function holdsOfCustomer(
  db: Kysely<Database>,
  businessId: string,
  customerId: string,
  page: { pageNumber: number; pageSize: number; status?: HoldsTable['status'] },
): Promise<HoldsTable[]> {
  let query = db.selectFrom('holds').selectAll().where('customer_id', '=', customerId).where('business_id', '=', businessId);
  if (page.status !== undefined) query = query.where('status', '=', page.status);
  return query
    .orderBy('id', 'desc')
    .limit(page.pageSize)
    .offset(page.pageNumber * page.pageSize)
    .execute();
}

/** Active holds whose expires_at has come (coffer verify and the billing run read them). */
export function dueHolds(db: Kysely<Database>, now: string, limit: number): Promise<HoldsTable[]> {
  return db.selectFrom('holds').selectAll().where('status', '=', 'active').where('expires_at', '<=', now).orderBy('expires_at').limit(limit).execute();
}
