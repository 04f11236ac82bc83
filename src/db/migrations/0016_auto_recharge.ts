// 0016: auto-recharge. One setting per wallet (business, customer, currency): below threshold_amount of available
// balance, top up `amount` from the customer's method, with a cooldown, a monthly cap and a decline count that disables
// it. Each recharge is an attempt row; the unique partial index lets at most one attempt per wallet be `processing`,
// on both stores, so a shortfall never starts two recharges however many debits race.
import { type Kysely, sql } from 'kysely';
import { type MigrationContext, int64Type } from './migration.ts';

export async function up(db: Kysely<any>, context: MigrationContext): Promise<void> {
  const int64 = int64Type(context.store);
  await db.schema
    .createTable('auto_recharges')
    .addColumn('customer_id', 'text', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('business_id', 'text', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull().check(sql`enabled in (0, 1)`))
    // Why it was turned off by Coffer (max_declines failed attempts in a row); null while enabled.
    .addColumn('disabled_reason', 'text', (c) => c.check(sql`disabled_reason in ('declines')`))
    .addColumn('threshold_amount', int64, (c) => c.notNull().check(sql`threshold_amount > 0`))
    .addColumn('amount', int64, (c) => c.notNull().check(sql`amount > 0`))
    .addColumn('payment_method_id', 'text')
    .addColumn('cooldown_seconds', 'integer', (c) => c.notNull().check(sql`cooldown_seconds >= 0`))
    .addColumn('monthly_cap_amount', int64, (c) => c.notNull())
    .addColumn('max_declines', 'integer', (c) => c.notNull().check(sql`max_declines >= 1`))
    // Failed attempts in a row (a success resets it), and the backoff the last one set.
    .addColumn('declines', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('backoff_until', 'text')
    // No attempt starts before this (the last attempt's start + cooldown_seconds).
    .addColumn('cooldown_until', 'text')
    .addColumn('last_attempt_at', 'text')
    // The check job's generation: the job key is <customer>:<currency>:<checks>, so triggers coalesce into one pending
    // check, and a check bumps it before it reads the balance (a later trigger gets a new job).
    .addColumn('checks', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('auto_recharges_pk', ['customer_id', 'currency'])
    .addCheckConstraint('auto_recharges_cap', sql`monthly_cap_amount >= amount`)
    .execute();
  await db.schema
    .createTable('auto_recharge_attempts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('business_id', 'text', (c) => c.notNull())
    .addColumn('customer_id', 'text', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('amount', int64, (c) => c.notNull().check(sql`amount > 0`))
    .addColumn('payment_method_id', 'text')
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('processing', 'succeeded', 'failed')`))
    // The available balance the attempt was started at (below the threshold).
    .addColumn('available_balance_before', int64, (c) => c.notNull())
    // The top-up payment (pay_…), once the top-up started.
    .addColumn('payment_id', 'text')
    // The check job running it: its re-run resumes the attempt.
    .addColumn('job_key', 'text', (c) => c.notNull())
    .addColumn('error_code', 'text')
    .addColumn('error_message', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  // The in-flight guard: at most one processing attempt per wallet.
  await sql`create unique index auto_recharge_attempts_in_flight on auto_recharge_attempts (customer_id, currency) where status = 'processing'`.execute(db);
  await db.schema.createIndex('auto_recharge_attempts_wallet').on('auto_recharge_attempts').columns(['customer_id', 'currency', 'created_at']).execute();
}
