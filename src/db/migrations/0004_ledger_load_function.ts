// 0004 (PostgreSQL only): the ledger writer's load as one function call: lock the batch's customers, then read their
// wallets and the named idempotency records with a fresh snapshot — one round trip, and one row lock per customer.
import { type Kysely, sql } from 'kysely';
import type { MigrationContext } from './migration.ts';

/**
 * A VOLATILE PL/pgSQL function takes a new snapshot for each statement in READ COMMITTED, so the wallets it reads
 * after the lock wait are their latest committed versions (a single SELECT would read them as of its start, and
 * locking them as well cost a row lock and its WAL record per wallet). Tables resolve through the session's
 * search_path: Coffer's schema.
 */
export async function up(db: Kysely<any>, context: MigrationContext): Promise<void> {
  if (context.store !== 'postgres') return;
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
                             wl.entry_count, wl.created_at, wl.updated_at
                        from customers c join wallets wl on wl.customer_id = c.id
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
