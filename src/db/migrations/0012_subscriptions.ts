// 0012: subscriptions paid from the wallet. A renewal is an invoice of billing part 1 that names its subscription and
// its period start: the unique index on (subscription_id, subscription_period_start) makes "one invoice per period" a
// fact of the database, however many processes bill at once, crash or replay missed periods.
import { type Kysely, sql } from 'kysely';
import { type MigrationContext, int64Type } from './migration.ts';

export async function up(db: Kysely<any>, context: MigrationContext): Promise<void> {
  const int64 = int64Type(context.store);
  await db.schema
    .createTable('subscriptions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('business_id', 'text', (c) => c.notNull())
    .addColumn('customer_id', 'text', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('amount', int64, (c) => c.notNull().check(sql`amount > 0 and amount <= 9007199254740991`))
    .addColumn('billing_interval', 'text', (c) => c.notNull().check(sql`billing_interval in ('day', 'week', 'month', 'year')`))
    .addColumn('interval_count', 'integer', (c) => c.notNull().check(sql`interval_count >= 1`))
    // The first period's start: every period start is computed from it (calendar-correct, never chained).
    .addColumn('anchor_at', 'text', (c) => c.notNull())
    .addColumn('wallet_mode', 'text', (c) => c.notNull().check(sql`wallet_mode in ('auto', 'never', 'cap')`))
    .addColumn('wallet_cap_amount', int64)
    .addColumn('payment_method_id', 'text')
    .addColumn('metadata', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('active', 'on_hold', 'paused', 'cancelled', 'expired')`))
    // The period to bill next (0 is the first); its start is next_billing_date.
    .addColumn('next_period_index', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_billing_date', 'text', (c) => c.notNull())
    .addColumn('previous_billing_date', 'text')
    .addColumn('cancel_at_next_billing_date', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('cancelled_at', 'text')
    .addColumn('paused_at', 'text')
    .addColumn('expires_at', 'text')
    // Dunning of the period next_period_index: retries made so far (0 when none), when it began, the next retry.
    .addColumn('dunning_attempt', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('dunning_started_at', 'text')
    .addColumn('dunning_next_retry_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('subscriptions_business').on('subscriptions').columns(['business_id', 'id']).execute();

  await db.schema.alterTable('invoices').addColumn('subscription_id', 'text').execute();
  await db.schema.alterTable('invoices').addColumn('subscription_period_start', 'text').execute();
  // One invoice per (subscription, period start); charges of a subscription have no period start (NULLs never clash).
  await db.schema.createIndex('invoices_subscription_period').on('invoices').columns(['subscription_id', 'subscription_period_start']).unique().execute();
}
