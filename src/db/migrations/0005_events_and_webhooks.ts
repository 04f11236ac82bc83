// 0005: the event outbox (written by the writer in the ledger's transaction), its feed order, webhook endpoints and
// their delivery attempts, and low-balance thresholds (per wallet, and a business-wide default per currency).
import { type Kysely, sql } from 'kysely';
import { type MigrationContext, int64Type } from './migration.ts';

export async function up(db: Kysely<any>, context: MigrationContext): Promise<void> {
  const int64 = int64Type(context.store);

  // One row per event; `data` is its JSON payload, fixed when the change it reports commits. `seq` is the insertion
  // order (a rowid on SQLite, an identity on PostgreSQL): events of one wallet are inserted in wallet_seq order, so the
  // dispatcher takes them by it. `feed_seq` is given by the dispatcher (serialised on event_feed_state), so the feed's
  // order is the order events were dispatched, and never changes once given.
  await db.schema
    .createTable('events')
    .addColumn('seq', context.store === 'postgres' ? 'bigint' : 'integer', (c) =>
      context.store === 'postgres' ? c.primaryKey().generatedByDefaultAsIdentity() : c.primaryKey(),
    )
    .addColumn('id', 'text', (c) => c.notNull().unique())
    .addColumn('business_id', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('customer_id', 'text')
    .addColumn('data', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('feed_seq', int64, (c) => c.unique())
    .execute();
  await sql`create index events_undispatched on events (seq) where feed_seq is null`.execute(db);
  await db.schema.createIndex('events_feed').on('events').columns(['business_id', 'feed_seq']).execute();

  await db.schema
    .createTable('event_feed_state')
    .addColumn('id', 'integer', (c) => c.primaryKey().check(sql`id = 1`))
    .addColumn('next_seq', int64, (c) => c.notNull().check(sql`next_seq >= 1`))
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await sql`insert into event_feed_state (id, next_seq, updated_at) values (1, 1, '1970-01-01T00:00:00.000Z')`.execute(db);

  await db.schema
    .createTable('webhook_endpoints')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('business_id', 'text', (c) => c.notNull())
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('metadata', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('disabled', 'integer', (c) => c.notNull().defaultTo(0).check(sql`disabled in (0, 1)`))
    // Why Coffer disabled it (a 410 Gone), or null when the merchant did or it is enabled.
    .addColumn('disabled_reason', 'text')
    // JSON array of event types; empty means every type.
    .addColumn('filter_types', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('headers', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('rate_limit', 'integer', (c) => c.check(sql`rate_limit is null or rate_limit > 0`))
    .addColumn('secret', 'text', (c) => c.notNull())
    // During a rotation's overlap window deliveries carry a signature with each secret.
    .addColumn('previous_secret', 'text')
    .addColumn('previous_secret_expires_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('webhook_endpoints_business').on('webhook_endpoints').columns(['business_id', 'id']).execute();

  await db.schema
    .createTable('webhook_attempts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('business_id', 'text', (c) => c.notNull())
    .addColumn('endpoint_id', 'text', (c) => c.notNull())
    .addColumn('event_id', 'text', (c) => c.notNull())
    .addColumn('job_id', 'text')
    .addColumn('attempt', 'integer', (c) => c.notNull().check(sql`attempt >= 1`))
    .addColumn('started_at', 'text', (c) => c.notNull())
    .addColumn('status_code', 'integer')
    .addColumn('latency_ms', 'integer')
    .addColumn('outcome', 'text', (c) => c.notNull().check(sql`outcome in ('succeeded', 'failed', 'skipped')`))
    .addColumn('error', 'text')
    .addColumn('next_attempt_at', 'text')
    .execute();
  await db.schema.createIndex('webhook_attempts_endpoint').on('webhook_attempts').columns(['endpoint_id', 'started_at', 'id']).execute();
  await db.schema.createIndex('webhook_attempts_event').on('webhook_attempts').columns(['event_id']).execute();

  await db.schema
    .createTable('low_balance_defaults')
    .addColumn('business_id', 'text', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('amount', int64, (c) => c.notNull().check(sql`amount >= 0 and amount <= 9007199254740991`))
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('low_balance_defaults_pk', ['business_id', 'currency'])
    .execute();
  // A wallet's own threshold, over the business default; kept beside the wallet so that only the writer writes wallets.
  await db.schema
    .createTable('low_balance_thresholds')
    .addColumn('customer_id', 'text', (c) => c.notNull().references('customers.id'))
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('business_id', 'text', (c) => c.notNull())
    .addColumn('amount', int64, (c) => c.notNull().check(sql`amount >= 0 and amount <= 9007199254740991`))
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('low_balance_thresholds_pk', ['customer_id', 'currency'])
    .execute();

  if (context.store !== 'postgres') return;
  // The writer's load now also returns each wallet's effective low-balance threshold (its own, else the default).
  await sql`
    create or replace function coffer_ledger_load(customer_ids text[], key_businesses text[], key_scopes text[], key_keys text[])
    returns table (wallets json, records json)
    language plpgsql volatile
    as $$
    begin
      perform 1 from customers where id = any(customer_ids) order by id for update;
      return query
      select (select coalesce(json_agg(w), '[]'::json)
                from (select c.id as customer_id, c.business_id as customer_business_id,
                             c.entry_count as customer_entry_count, wl.currency, wl.business_id, wl.balance,
                             wl.entry_count, wl.created_at, wl.updated_at,
                             coalesce(t.amount, d.amount) as low_balance_effective
                        from customers c join wallets wl on wl.customer_id = c.id
                        left join low_balance_thresholds t on t.customer_id = wl.customer_id and t.currency = wl.currency
                        left join low_balance_defaults d on d.business_id = wl.business_id and d.currency = wl.currency
                       where c.id = any(customer_ids)) w),
             (select coalesce(json_agg(r), '[]'::json)
                from (select ir.business_id, ir.scope, ir.key, ir.fingerprint, ir.result_type, ir.result_id,
                             ir.created_at, to_jsonb(e) as entry
                        from unnest(key_businesses, key_scopes, key_keys) as k(business_id, scope, key)
                        join idempotency_records ir
                          on ir.business_id = k.business_id and ir.scope = k.scope and ir.key = k.key
                        left join ledger_entries e on e.id = ir.result_id) r);
    end
    $$`.execute(db);
}
