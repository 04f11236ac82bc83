// 0014: dashboard sign-in sessions in the database, so that every Coffer process on one store knows every session
// (docs/dashboard.md). A row holds the SHA-256 of the cookie's token, never the token, and the API key's id, never the key.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('dashboard_sessions')
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    .addColumn('business_id', 'text', (c) => c.notNull())
    .addColumn('api_key_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .execute();
  // The sweep of expired sessions, and the per-key cap (the oldest of a key's sessions ends first).
  await db.schema.createIndex('dashboard_sessions_expiry').on('dashboard_sessions').column('expires_at').execute();
  await db.schema.createIndex('dashboard_sessions_key').on('dashboard_sessions').columns(['api_key_id', 'created_at']).execute();
}
