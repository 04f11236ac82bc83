// Idempotency records of client keys written outside the ledger writer (webhook endpoints, payment methods): the
// lookup and the insert that loses cleanly to a concurrent command holding the same key.
import type { Kysely, Transaction } from 'kysely';
import type { Database, IdempotencyRecordsTable } from './schema.ts';

type Executor = Kysely<Database> | Transaction<Database>;

/** The record of a key in `scope`: the client's (default), or one of Coffer's own `coffer:<purpose>` scopes. */
export async function findClientRecord(db: Executor, businessId: string, key: string, scope = 'client'): Promise<IdempotencyRecordsTable | undefined> {
  return db
    .selectFrom('idempotency_records')
    .selectAll()
    .where('business_id', '=', businessId)
    .where('scope', '=', scope)
    .where('key', '=', key)
    .executeTakeFirst();
}

/** Inserts the record unless its key is already recorded (by a concurrent command); returns whether it did. */
export async function insertRecord(db: Executor, record: IdempotencyRecordsTable): Promise<boolean> {
  const result = await db.insertInto('idempotency_records').values(record).onConflict((oc) => oc.doNothing()).executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
}
