// 0007: customers' payment methods (one primary per customer), and the simulated payment processor's own record of
// the charges and refunds it made, keyed by idempotency key so that a retry, even after a restart, never charges twice.
import { type Kysely, sql } from 'kysely';
import { type MigrationContext, int64Type } from './migration.ts';

export async function up(db: Kysely<any>, context: MigrationContext): Promise<void> {
  const int64 = int64Type(context.store);

  // Ids are the client's (a processor's token, or a simulated test method such as pm_card_succeeds) or Coffer's
  // pm_…, unique within a customer: Dodo's routes name a method under its customer.
  await db.schema
    .createTable('payment_methods')
    .addColumn('business_id', 'text', (c) => c.notNull())
    .addColumn('customer_id', 'text', (c) => c.notNull())
    .addColumn('payment_method_id', 'text', (c) => c.notNull())
    .addColumn('payment_method', 'text', (c) => c.notNull())
    .addColumn('payment_method_type', 'text')
    // JSON object of the card fields, or null.
    .addColumn('card', 'text')
    .addColumn('recurring_enabled', 'integer', (c) => c.check(sql`recurring_enabled is null or recurring_enabled in (0, 1)`))
    .addColumn('processor', 'text', (c) => c.notNull().check(sql`processor in ('simulated', 'http')`))
    .addColumn('is_primary', 'integer', (c) => c.notNull().defaultTo(0).check(sql`is_primary in (0, 1)`))
    // What an attach of this id would have to say to be the same attach (a repeat with other fields is refused).
    .addColumn('fingerprint', 'text', (c) => c.notNull())
    .addColumn('last_used_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('payment_methods_pk', ['business_id', 'customer_id', 'payment_method_id'])
    .execute();
  // At most one primary method per customer, held by the database as well as by the service.
  await sql`create unique index payment_methods_one_primary on payment_methods (business_id, customer_id) where is_primary = 1`.execute(db);

  await db.schema
    .createTable('simulated_charges')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('business_id', 'text', (c) => c.notNull())
    .addColumn('idempotency_key', 'text', (c) => c.notNull())
    .addColumn('fingerprint', 'text', (c) => c.notNull())
    .addColumn('customer_id', 'text', (c) => c.notNull())
    .addColumn('payment_method_id', 'text', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('amount', int64, (c) => c.notNull().check(sql`amount > 0`))
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('pending', 'succeeded', 'declined', 'failed')`))
    .addColumn('reason', 'text')
    .addColumn('refunded_amount', int64, (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('simulated_charges_key', ['business_id', 'idempotency_key'])
    .addCheckConstraint('simulated_charges_refunded', sql`refunded_amount >= 0 and refunded_amount <= amount`)
    .execute();

  await db.schema
    .createTable('simulated_refunds')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('business_id', 'text', (c) => c.notNull())
    .addColumn('idempotency_key', 'text', (c) => c.notNull())
    .addColumn('fingerprint', 'text', (c) => c.notNull())
    .addColumn('charge_id', 'text', (c) => c.notNull())
    .addColumn('amount', int64, (c) => c.notNull().check(sql`amount > 0`))
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('succeeded', 'declined')`))
    .addColumn('reason', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('simulated_refunds_key', ['business_id', 'idempotency_key'])
    .execute();
}
