// 0009: holds. A hold reserves part of a wallet's balance (wallets.held_amount) and, with lots, specific lots in the
// consumption order (holds.lots); the writer's load function now reads held_amount with each wallet.
import { type Kysely, sql } from 'kysely';
import { type MigrationContext, int64Type } from './migration.ts';

export async function up(db: Kysely<any>, context: MigrationContext): Promise<void> {
  const int64 = int64Type(context.store);
  await db.schema
    .alterTable('wallets')
    .addColumn('held_amount', int64, (c) => c.notNull().defaultTo(0).check(sql`held_amount >= 0`))
    .execute();

  await db.schema
    .createTable('holds')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('business_id', 'text', (c) => c.notNull())
    .addColumn('customer_id', 'text', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('amount', int64, (c) => c.notNull().check(sql`amount > 0 and amount <= 9007199254740991`))
    .addColumn('captured_amount', int64, (c) => c.notNull().defaultTo(0).check(sql`captured_amount >= 0`))
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('active', 'captured', 'released', 'expired')`))
    .addColumn('reason', 'text')
    // What the capture's debit entry says: its event_type and reference_object_id.
    .addColumn('event_type', 'text', (c) => c.notNull())
    .addColumn('reference_object_id', 'text')
    .addColumn('expires_at', 'text')
    // JSON array of {lot_id, amount}: what the hold reserved from each lot, in consumption order.
    .addColumn('lots', 'text', (c) => c.notNull())
    .addColumn('capture_entry_id', 'text')
    .addColumn('idempotency_scope', 'text', (c) => c.notNull())
    .addColumn('idempotency_key', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addCheckConstraint('holds_captured', sql`captured_amount <= amount and (status = 'captured' or captured_amount = 0)`)
    .execute();
  // A customer's holds, newest first (ids are time-ordered).
  await db.schema.createIndex('holds_customer').on('holds').columns(['customer_id', 'id']).execute();

  if (context.store === 'postgres') await loadFunction(db);
}

/** coffer_ledger_load_lots as migration 0006 made it, with wallets.held_amount in each wallet row. */
async function loadFunction(db: Kysely<any>): Promise<void> {
  await sql`
    create or replace function coffer_ledger_load_lots(customer_ids text[], key_businesses text[], key_scopes text[], key_keys text[],
                                            lot_customers text[], lot_currencies text[], lot_needs bigint[], clock_now text)
    returns table (wallets json, records json, lots json)
    language plpgsql volatile
    as $$
    declare
      effective_now text;
      wallet record;
      covered bigint;
      lot credit_lots;
      picked credit_lots[] := '{}';
    begin
      perform 1 from customers where id = any(customer_ids) order by id for update;
      select greatest(clock_now, max(updated_at)) into effective_now from wallets where customer_id = any(customer_ids);
      effective_now := coalesce(effective_now, clock_now);
      for wallet in
        select n.customer_id, n.currency, n.need
          from unnest(lot_customers, lot_currencies, lot_needs) as n(customer_id, currency, need)
          join wallets w on w.customer_id = n.customer_id and w.currency = n.currency
         where n.need > 0 or w.next_expiry_at <= effective_now
      loop
        covered := 0;
        for lot in
          select * from credit_lots l
           where l.customer_id = wallet.customer_id and l.currency = wallet.currency and l.status = 'active'
           order by l.expires_order, l.category_rank, l.wallet_seq
        loop
          picked := picked || lot;
          continue when lot.expires_at is not null and lot.expires_at <= effective_now;
          exit when covered >= wallet.need;
          covered := covered + lot.remaining_amount;
        end loop;
      end loop;
      return query
      select (select coalesce(json_agg(w), '[]'::json)
                from (select c.id as customer_id, c.business_id as customer_business_id,
                             c.entry_count as customer_entry_count, wl.currency, wl.business_id, wl.balance,
                             wl.entry_count, wl.created_at, wl.updated_at, wl.next_expiry_at, wl.held_amount,
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
                        left join ledger_entries e on e.id = ir.result_id) r),
             (select coalesce(json_agg(p), '[]'::json) from unnest(picked) p);
    end
    $$`.execute(db);
}
