// SQL for businesses and their API keys; no business rules.
import type { Insertable, Kysely, Selectable } from 'kysely';
import type { ApiKeysTable, BusinessesTable, Database } from '../db/schema.ts';

export async function insertBusiness(db: Kysely<Database>, business: Insertable<BusinessesTable>): Promise<void> {
  await db.insertInto('businesses').values(business).execute();
}

export async function findBusiness(db: Kysely<Database>, id: string): Promise<Selectable<BusinessesTable> | undefined> {
  return db.selectFrom('businesses').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function listBusinesses(db: Kysely<Database>): Promise<Selectable<BusinessesTable>[]> {
  return db.selectFrom('businesses').selectAll().orderBy('created_at').orderBy('id').limit(1000).execute();
}

export async function insertApiKey(db: Kysely<Database>, key: ApiKeysTable): Promise<void> {
  await db.insertInto('api_keys').values(key).execute();
}

export async function findApiKeyByHash(db: Kysely<Database>, keyHash: string): Promise<ApiKeysTable | undefined> {
  return db.selectFrom('api_keys').selectAll().where('key_hash', '=', keyHash).executeTakeFirst();
}

export async function listApiKeys(db: Kysely<Database>, businessId: string): Promise<ApiKeysTable[]> {
  return db
    .selectFrom('api_keys')
    .selectAll()
    .where('business_id', '=', businessId)
    .orderBy('created_at')
    .orderBy('id')
    .limit(1000)
    .execute();
}

export async function revokeApiKey(db: Kysely<Database>, keyId: string, revokedAt: string): Promise<number> {
  const result = await db
    .updateTable('api_keys')
    .set({ revoked_at: revokedAt })
    .where('id', '=', keyId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}
