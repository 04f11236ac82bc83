// 0020: statement blocks — a wallet's entries as the statement lists them (their JSON objects, comma-separated, in
// wallet_seq order) and their totals per event type, one row per run of consecutive entries, written by the
// analytics.rollup job behind its own cursor (`blocked_seq`) once a run is complete. A statement reads the blocks its
// range covers whole and only the entries around them; the ledger stays the truth (`coffer rollups rebuild` rewrites
// the blocks from it). The cursor starts at 0: the job blocks existing ledgers in bounded rounds, reads exact meanwhile.
import { type Kysely, sql } from 'kysely';
import { type MigrationContext, int64Type } from './migration.ts';

export async function up(db: Kysely<any>, context: MigrationContext): Promise<void> {
  const int64 = int64Type(context.store);
  await db.schema
    .createTable('wallet_statement_blocks')
    .addColumn('customer_id', 'text', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('first_seq', int64, (c) => c.notNull().check(sql`first_seq >= 1`))
    .addColumn('last_seq', int64, (c) => c.notNull())
    .addColumn('business_id', 'text', (c) => c.notNull())
    .addColumn('entries', 'text', (c) => c.notNull())
    .addColumn('totals', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('wallet_statement_blocks_pk', ['customer_id', 'currency', 'first_seq'])
    .addCheckConstraint('wallet_statement_blocks_range', sql`last_seq >= first_seq`)
    .execute();
  await db.schema.createIndex('wallet_statement_blocks_business').on('wallet_statement_blocks').column('business_id').execute();
  await db.schema.alterTable('wallet_rollup_cursors').addColumn('blocked_seq', int64, (c) => c.notNull().defaultTo(0)).execute();
}
