// 0013: analytics. The business's time zone (day buckets follow it), per (wallet, local day / month, event type) rollups kept
// current by the analytics.rollup job with a per-wallet cursor (the last wallet_seq rolled up), and the depletion
// forecast's once-per-crossing state. Nothing here is written by the ledger writer: the write path is unchanged.
import { type Kysely, sql } from 'kysely';
import { type MigrationContext, int64Type } from './migration.ts';

export async function up(db: Kysely<any>, context: MigrationContext): Promise<void> {
  const int64 = int64Type(context.store);
  await db.schema.alterTable('businesses').addColumn('time_zone', 'text', (c) => c.notNull().defaultTo('UTC')).execute();

  // One row per wallet, local day (YYYY-MM-DD in the business's zone when rolled up) and event type. A zone change
  // deletes the business's rows and rewinds its cursors in its own transaction, so every row is in the zone in force.
  await db.schema
    .createTable('wallet_day_rollups')
    .addColumn('customer_id', 'text', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('day', 'text', (c) => c.notNull())
    .addColumn('event_type', 'text', (c) => c.notNull())
    .addColumn('business_id', 'text', (c) => c.notNull())
    .addColumn('credit_amount', int64, (c) => c.notNull().check(sql`credit_amount >= 0`))
    .addColumn('debit_amount', int64, (c) => c.notNull().check(sql`debit_amount >= 0`))
    .addColumn('entry_count', int64, (c) => c.notNull().check(sql`entry_count >= 0`))
    // Promotional money the day's entries added (credits into promotional lots) minus what they drew from such lots.
    .addColumn('promotional_delta', int64, (c) => c.notNull())
    .addPrimaryKeyConstraint('wallet_day_rollups_pk', ['customer_id', 'currency', 'day', 'event_type'])
    .execute();
  await db.schema.createIndex('wallet_day_rollups_business_day').on('wallet_day_rollups').columns(['business_id', 'day']).execute();

  // The same per local month (month = its first day, YYYY-MM-01): liability at a date and monthly reports read whole
  // months here and only the days of a partial month from wallet_day_rollups.
  await db.schema
    .createTable('wallet_month_rollups')
    .addColumn('customer_id', 'text', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('month', 'text', (c) => c.notNull())
    .addColumn('event_type', 'text', (c) => c.notNull())
    .addColumn('business_id', 'text', (c) => c.notNull())
    .addColumn('credit_amount', int64, (c) => c.notNull().check(sql`credit_amount >= 0`))
    .addColumn('debit_amount', int64, (c) => c.notNull().check(sql`debit_amount >= 0`))
    .addColumn('entry_count', int64, (c) => c.notNull().check(sql`entry_count >= 0`))
    .addColumn('promotional_delta', int64, (c) => c.notNull())
    .addPrimaryKeyConstraint('wallet_month_rollups_pk', ['customer_id', 'currency', 'month', 'event_type'])
    .execute();
  await db.schema.createIndex('wallet_month_rollups_business_month').on('wallet_month_rollups').columns(['business_id', 'month']).execute();

  // The cursor: every entry of the wallet with wallet_seq <= rolled_seq is in wallet_day_rollups, none after it.
  await db.schema
    .createTable('wallet_rollup_cursors')
    .addColumn('customer_id', 'text', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('business_id', 'text', (c) => c.notNull())
    .addColumn('rolled_seq', int64, (c) => c.notNull().check(sql`rolled_seq >= 0`))
    // Whether the last forecast put depletion within the horizon: wallet.depletion_forecast fires on 0 → 1 only.
    .addColumn('forecast_in_horizon', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('wallet_rollup_cursors_pk', ['customer_id', 'currency'])
    .execute();
  await db.schema.createIndex('wallet_rollup_cursors_business').on('wallet_rollup_cursors').columns(['business_id']).execute();
}
