// 0017: per (business, currency, local day, event type) rollups, kept by the analytics.rollup job in the same
// transaction and with the same per-wallet cursors as wallet_day_rollups: a business-wide report sums at most a few
// rows per day instead of one per wallet and day. They are the wallet rows summed over the business's wallets, so the
// table starts as exactly that sum.
import { type Kysely, sql } from 'kysely';
import { type MigrationContext, int64Type } from './migration.ts';

export async function up(db: Kysely<any>, context: MigrationContext): Promise<void> {
  const int64 = int64Type(context.store);
  await db.schema
    .createTable('business_day_rollups')
    .addColumn('business_id', 'text', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('day', 'text', (c) => c.notNull())
    .addColumn('event_type', 'text', (c) => c.notNull())
    .addColumn('credit_amount', int64, (c) => c.notNull().check(sql`credit_amount >= 0`))
    .addColumn('debit_amount', int64, (c) => c.notNull().check(sql`debit_amount >= 0`))
    .addColumn('entry_count', int64, (c) => c.notNull().check(sql`entry_count >= 0`))
    .addColumn('promotional_delta', int64, (c) => c.notNull())
    .addPrimaryKeyConstraint('business_day_rollups_pk', ['business_id', 'currency', 'day', 'event_type'])
    .execute();
  // The invariant from the start: every row is the sum of its wallets' rows (each up to that wallet's cursor).
  await sql`insert into business_day_rollups (business_id, currency, day, event_type, credit_amount, debit_amount, entry_count, promotional_delta)
    select business_id, currency, day, event_type, sum(credit_amount), sum(debit_amount), sum(entry_count), sum(promotional_delta)
    from wallet_day_rollups group by business_id, currency, day, event_type`.execute(db);
}
