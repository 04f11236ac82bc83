// 0001: businesses, API keys, customers, wallets and ledger entries, with the checks that keep balances exact.
import { type Kysely, sql } from 'kysely';
import { type MigrationContext, int64Type } from './migration.ts';

export async function up(db: Kysely<any>, context: MigrationContext): Promise<void> {
  const int64 = int64Type(context.store);
  await db.schema
    .createTable('businesses')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('api_keys')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('business_id', 'text', (c) => c.notNull().references('businesses.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('key_hash', 'text', (c) => c.notNull().unique())
    .addColumn('key_prefix', 'text', (c) => c.notNull())
    .addColumn('access', 'text', (c) => c.notNull().check(sql`access in ('read_write', 'read_only')`))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('revoked_at', 'text')
    .execute();
  await db.schema.createIndex('api_keys_business').on('api_keys').columns(['business_id', 'created_at']).execute();

  await db.schema
    .createTable('customers')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('business_id', 'text', (c) => c.notNull().references('businesses.id'))
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('phone_number', 'text')
    .addColumn('metadata', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('entry_count', int64, (c) => c.notNull().defaultTo(0).check(sql`entry_count >= 0`))
    .execute();
  await db.schema
    .createIndex('customers_business_created')
    .on('customers')
    .columns(['business_id', 'created_at', 'id'])
    .execute();

  await db.schema
    .createTable('wallets')
    .addColumn('customer_id', 'text', (c) => c.notNull().references('customers.id'))
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('business_id', 'text', (c) => c.notNull())
    .addColumn('balance', int64, (c) => c.notNull().check(sql`balance >= 0 and balance <= 9007199254740991`))
    .addColumn('entry_count', int64, (c) => c.notNull().check(sql`entry_count >= 0`))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('wallets_pk', ['customer_id', 'currency'])
    .execute();

  await db.schema
    .createTable('ledger_entries')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('business_id', 'text', (c) => c.notNull())
    .addColumn('customer_id', 'text', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('amount', int64, (c) => c.notNull().check(sql`amount > 0`))
    .addColumn('is_credit', 'integer', (c) => c.notNull().check(sql`is_credit in (0, 1)`))
    .addColumn('event_type', 'text', (c) => c.notNull())
    .addColumn('reason', 'text')
    .addColumn('reference_object_id', 'text')
    .addColumn('idempotency_key', 'text')
    .addColumn('before_balance', int64, (c) => c.notNull().check(sql`before_balance >= 0`))
    .addColumn('after_balance', int64, (c) => c.notNull().check(sql`after_balance >= 0`))
    .addColumn('customer_seq', int64, (c) => c.notNull())
    .addColumn('wallet_seq', int64, (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addForeignKeyConstraint('ledger_entries_wallet', ['customer_id', 'currency'], 'wallets', ['customer_id', 'currency'])
    .addCheckConstraint(
      'ledger_entries_arithmetic',
      sql`after_balance = case when is_credit = 1 then before_balance + amount else before_balance - amount end`,
    )
    .execute();
  // Idempotency keys are unique per business (NULL keys never collide).
  await db.schema
    .createIndex('ledger_entries_idempotency')
    .on('ledger_entries')
    .columns(['business_id', 'idempotency_key'])
    .unique()
    .execute();
  // Pages are ranges of these dense sequences: a deep page costs what page 0 costs.
  await db.schema
    .createIndex('ledger_entries_customer_seq')
    .on('ledger_entries')
    .columns(['customer_id', 'customer_seq'])
    .unique()
    .execute();
  await db.schema
    .createIndex('ledger_entries_wallet_seq')
    .on('ledger_entries')
    .columns(['customer_id', 'currency', 'wallet_seq'])
    .unique()
    .execute();
}
