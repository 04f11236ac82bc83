// 0011: top-ups, refunds and disputes. A payment is an invoice's or a top-up's (kind); what its refunds took from its
// wallet part and from its card part grows by conditional updates, never past either part. A refund and a dispute
// are each a small state machine persisted step by step, like a payment.
import { type Kysely, sql } from 'kysely';
import { type MigrationContext, int64Type } from './migration.ts';

export async function up(db: Kysely<any>, context: MigrationContext): Promise<void> {
  const int64 = int64Type(context.store);
  await db.schema.alterTable('payments').addColumn('kind', 'text', (c) => c.notNull().defaultTo('invoice').check(sql`kind in ('invoice', 'top_up')`)).execute();
  await db.schema.alterTable('payments').addColumn('refunded_wallet_amount', int64, (c) => c.notNull().defaultTo(0).check(sql`refunded_wallet_amount >= 0`)).execute();
  await db.schema.alterTable('payments').addColumn('refunded_method_amount', int64, (c) => c.notNull().defaultTo(0).check(sql`refunded_method_amount >= 0`)).execute();
  // The client's key of a top-up (scope client, result_type payment), to find it again.
  await db.schema.alterTable('payments').addColumn('idempotency_key', 'text').execute();

  await db.schema
    .createTable('refunds')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('business_id', 'text', (c) => c.notNull())
    .addColumn('customer_id', 'text', (c) => c.notNull())
    .addColumn('payment_id', 'text', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('amount', int64, (c) => c.notNull().check(sql`amount > 0`))
    // What the refund takes back from the payment's wallet part and from its card part (they add up to amount).
    .addColumn('from_wallet_amount', int64, (c) => c.notNull())
    .addColumn('from_method_amount', int64, (c) => c.notNull())
    .addColumn('destination', 'text', (c) => c.notNull().check(sql`destination in ('original', 'wallet')`))
    // What goes to the wallet and what to the card (a card refund the processor refuses goes to the wallet).
    .addColumn('wallet_amount', int64, (c) => c.notNull())
    .addColumn('card_amount', int64, (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('pending', 'succeeded', 'failed')`))
    // started → wallet_done → done; card_status tracks the processor's part.
    .addColumn('step', 'text', (c) => c.notNull().check(sql`step in ('started', 'wallet_done', 'done')`))
    .addColumn('card_status', 'text', (c) => c.notNull().check(sql`card_status in ('none', 'pending', 'succeeded', 'failed_to_wallet')`))
    .addColumn('processor_refund_id', 'text')
    .addColumn('error_code', 'text')
    .addColumn('reason', 'text')
    .addColumn('metadata', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addCheckConstraint('refunds_split', sql`from_wallet_amount >= 0 and from_method_amount >= 0 and from_wallet_amount + from_method_amount = amount and wallet_amount + card_amount = amount and wallet_amount >= 0 and card_amount >= 0`)
    .execute();
  await db.schema.createIndex('refunds_business').on('refunds').columns(['business_id', 'id']).execute();
  await db.schema.createIndex('refunds_payment').on('refunds').columns(['payment_id']).execute();

  await db.schema
    .createTable('disputes')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('business_id', 'text', (c) => c.notNull())
    .addColumn('customer_id', 'text', (c) => c.notNull())
    .addColumn('payment_id', 'text', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('amount', int64, (c) => c.notNull().check(sql`amount > 0`))
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('dispute', 'reversal')`))
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('opening', 'open', 'won', 'lost', 'reversed')`))
    .addColumn('hold_id', 'text')
    // What the wallet could hold (or give back) of amount; the rest is the shortfall.
    .addColumn('held_amount', int64, (c) => c.notNull().defaultTo(0))
    .addColumn('taken_amount', int64, (c) => c.notNull().defaultTo(0))
    .addColumn('shortfall_amount', int64, (c) => c.notNull().defaultTo(0))
    .addColumn('reason', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addCheckConstraint('disputes_amounts', sql`held_amount >= 0 and taken_amount >= 0 and shortfall_amount >= 0 and held_amount <= amount and taken_amount + shortfall_amount <= amount`)
    .execute();
  await db.schema.createIndex('disputes_business').on('disputes').columns(['business_id', 'id']).execute();
  await db.schema.createIndex('disputes_payment').on('disputes').columns(['payment_id']).execute();
}
