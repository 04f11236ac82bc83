// 0019: paid money that never expires is one pool per wallet instead of a lot row per credit and a draw row per debit.
// Such money is always last in the consumption order and spent oldest first, so counters on the wallet and offsets on
// the entries say everything its lots and draws did: a credit into the pool records where its money starts in the
// pool (pool_offset, the wallet's pool_in before it), a debit what it took from the pool and from where (pool_amount
// from pool_offset, the wallet's pool_out before it). Lots made before stay as they are (the writer spends them first:
// they are older, or expire, or are promotional). src/credits/lot-repo.ts derives each pool credit's lot when read.
import { type Kysely, sql } from 'kysely';
import { type MigrationContext, int64Type } from './migration.ts';

export async function up(db: Kysely<any>, context: MigrationContext): Promise<void> {
  const int64 = int64Type(context.store);
  // pool_in: what pool credits ever added; pool_out: what debits and captures took; pool_held: what active holds
  // reserve of the rest. The pool holds pool_in − pool_out, of which pool_in − pool_out − pool_held is available.
  for (const column of ['pool_in', 'pool_out', 'pool_held'] as const) {
    await db.schema.alterTable('wallets').addColumn(column, int64, (c) => c.notNull().defaultTo(0).check(sql`${sql.ref(column)} >= 0`)).execute();
  }
  await db.schema.alterTable('ledger_entries').addColumn('pool_offset', int64).execute();
  await db.schema.alterTable('ledger_entries').addColumn('pool_amount', int64).execute();
  if (context.store === 'postgres') await loadFunction(db);
}

/**
 * coffer_ledger_load_lots as migration 0009 made it, with the pool counters in each wallet row, and reading a wallet's
 * stored lots only when they hold available money (balance − held − the pool's available part > 0) or its earliest
 * expiry has come: a wallet of plain paid credits reads none.
 */
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
         where (n.need > 0 and w.balance - w.held_amount - (w.pool_in - w.pool_out - w.pool_held) > 0)
            or w.next_expiry_at <= effective_now
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
                             wl.pool_in, wl.pool_out, wl.pool_held,
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
