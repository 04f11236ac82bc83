// SQL for dashboard sessions (table dashboard_sessions, migration 0014); no rules. A live session is read with its API
// key (not revoked) and its business in one query, so a revoked key ends its sessions on every process at once.
import type { Kysely } from 'kysely';
import type { DashboardSessionsTable, Database } from '../db/schema.ts';

export interface SessionRow extends DashboardSessionsTable {
  access: 'read_write' | 'read_only';
  business_name: string;
}

export async function insertSession(db: Kysely<Database>, row: DashboardSessionsTable): Promise<void> {
  await db.insertInto('dashboard_sessions').values(row).execute();
}

/** The session of this token hash if it has not expired by `now` and its key is not revoked. */
export function liveSession(db: Kysely<Database>, tokenHash: string, now: string): Promise<SessionRow | undefined> {
  return db
    .selectFrom('dashboard_sessions as s')
    .innerJoin('api_keys as k', 'k.id', 's.api_key_id')
    .innerJoin('businesses as b', 'b.id', 's.business_id')
    .selectAll('s')
    .select(['k.access', 'b.name as business_name'])
    .where('s.token_hash', '=', tokenHash)
    .where('s.expires_at', '>', now)
    .where('k.revoked_at', 'is', null)
    .whereRef('k.business_id', '=', 's.business_id')
    .executeTakeFirst();
}

export async function deleteSession(db: Kysely<Database>, tokenHash: string): Promise<void> {
  await db.deleteFrom('dashboard_sessions').where('token_hash', '=', tokenHash).execute();
}

/** Removes every session expired by `now`; answers how many. */
export async function deleteExpiredSessions(db: Kysely<Database>, now: string): Promise<number> {
  const result = await db.deleteFrom('dashboard_sessions').where('expires_at', '<=', now).executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** Keeps a key's `keep` newest sessions and removes the rest (at most `removeMax` a call). */
export async function trimSessionsOfKey(db: Kysely<Database>, apiKeyId: string, keep: number, removeMax: number): Promise<void> {
  const surplus = await db
    .selectFrom('dashboard_sessions')
    .select('token_hash')
    .where('api_key_id', '=', apiKeyId)
    .orderBy('created_at', 'desc')
    .orderBy('token_hash', 'desc')
    .limit(removeMax)
    .offset(keep)
    .execute();
  if (surplus.length === 0) return;
  await db.deleteFrom('dashboard_sessions').where('token_hash', 'in', surplus.map((row) => row.token_hash)).execute();
}

export async function sessionCount(db: Kysely<Database>): Promise<number> {
  const row = await db.selectFrom('dashboard_sessions').select((eb) => eb.fn.countAll<number>().as('count')).executeTakeFirstOrThrow();
  return Number(row.count);
}
