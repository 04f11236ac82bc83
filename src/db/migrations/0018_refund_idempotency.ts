// 0018: a refund may carry the client's idempotency key (an extension of Dodo's body): unique per business, so the same
// key sent again (a retry after a lost answer, two processes racing) finds the refund it made instead of refunding twice.
import type { Kysely } from 'kysely';
import type { MigrationContext } from './migration.ts';

export async function up(db: Kysely<any>, _context: MigrationContext): Promise<void> {
  await db.schema.alterTable('refunds').addColumn('idempotency_key', 'text').execute();
  // Both stores treat NULLs as distinct here: refunds without a key never collide.
  await db.schema.createIndex('refunds_idempotency_key').unique().on('refunds').columns(['business_id', 'idempotency_key']).execute();
}
