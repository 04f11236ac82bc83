// 0003: the background jobs table: one row per job, unique per (kind, key), claimed under a lease.
import { type Kysely, sql } from 'kysely';
import type { MigrationContext } from './migration.ts';

export async function up(db: Kysely<any>, _context: MigrationContext): Promise<void> {
  await db.schema
    .createTable('jobs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull().defaultTo('null'))
    .addColumn('state', 'text', (c) => c.notNull().check(sql`state in ('pending', 'done', 'failed')`))
    .addColumn('due_at', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0).check(sql`attempts >= 0`))
    // NULL: the runtime's attemptsMaxDefault applies.
    .addColumn('attempts_max', 'integer', (c) => c.check(sql`attempts_max is null or attempts_max >= 1`))
    .addColumn('lease_owner', 'text')
    .addColumn('lease_expires_at', 'text')
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('finished_at', 'text')
    .addUniqueConstraint('jobs_kind_key', ['kind', 'key'])
    .execute();
  // The claim reads pending jobs in due order.
  await db.schema.createIndex('jobs_claim').on('jobs').columns(['state', 'due_at']).execute();
}
