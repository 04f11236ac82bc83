// 0010: invoices and their payments. A payment is a small state machine persisted step by step (hold the wallet part,
// charge the rest, capture the hold), so that a process killed between two steps resumes where it stood.
import { type Kysely, sql } from 'kysely';
import { type MigrationContext, int64Type } from './migration.ts';

export async function up(db: Kysely<any>, context: MigrationContext): Promise<void> {
  const int64 = int64Type(context.store);
  await db.schema
    .createTable('invoices')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('business_id', 'text', (c) => c.notNull())
    .addColumn('customer_id', 'text', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('total_amount', int64, (c) => c.notNull().check(sql`total_amount > 0 and total_amount <= 9007199254740991`))
    // JSON array of {description, amount}.
    .addColumn('line_items', 'text', (c) => c.notNull())
    .addColumn('wallet_mode', 'text', (c) => c.notNull().check(sql`wallet_mode in ('auto', 'never', 'cap')`))
    .addColumn('wallet_cap_amount', int64)
    .addColumn('metadata', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('open', 'processing', 'paid', 'void')`))
    // The payment in progress or the last one tried.
    .addColumn('payment_id', 'text')
    .addColumn('attempt_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_failure_code', 'text')
    .addColumn('last_failure_message', 'text')
    .addColumn('paid_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('invoices_business').on('invoices').columns(['business_id', 'id']).execute();

  await db.schema
    .createTable('payments')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('business_id', 'text', (c) => c.notNull())
    .addColumn('customer_id', 'text', (c) => c.notNull())
    .addColumn('invoice_id', 'text', (c) => c.notNull())
    .addColumn('attempt', 'integer', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('total_amount', int64, (c) => c.notNull())
    .addColumn('wallet_amount', int64, (c) => c.notNull().defaultTo(0))
    .addColumn('method_amount', int64, (c) => c.notNull().defaultTo(0))
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('processing', 'succeeded', 'failed')`))
    // started → held → charged → captured (succeeded), or → failed with the hold released.
    .addColumn('step', 'text', (c) => c.notNull().check(sql`step in ('started', 'held', 'charged', 'done')`))
    .addColumn('hold_id', 'text')
    .addColumn('requested_payment_method_id', 'text')
    .addColumn('payment_method_id', 'text')
    .addColumn('processor', 'text')
    .addColumn('charge_id', 'text')
    .addColumn('error_code', 'text')
    .addColumn('error_message', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addCheckConstraint('payments_split', sql`wallet_amount >= 0 and method_amount >= 0 and wallet_amount + method_amount <= total_amount`)
    .execute();
  await db.schema.createIndex('payments_business').on('payments').columns(['business_id', 'id']).execute();
  await db.schema.createIndex('payments_invoice_attempt').on('payments').columns(['invoice_id', 'attempt']).unique().execute();
}
