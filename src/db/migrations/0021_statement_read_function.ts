// 0021 (PostgreSQL only): a statement's whole read as one function call whose plan each session keeps: the range
// search, the statement blocks the range covers whole and the ledger entries before the first and after the last
// (src/analytics/statement-reads.ts statementReadPostgres).
import { type Kysely, sql } from 'kysely';
import type { MigrationContext } from './migration.ts';

/**
 * Sent as one query, the read cost PostgreSQL ~1 ms of planning per statement (sessions plan every query:
 * plan_cache_mode=force_custom_plan, src/db/database.ts), twice its execution. PL/pgSQL keeps a query's plan for the
 * session, and this function's own setting makes it the generic one: every lookup is an index range on
 * (customer_id, currency, seq) whatever the values. STABLE: one snapshot for the whole read. Tables resolve through the
 * session's search_path: Coffer's schema. The range search is statement-reads.ts's rangeSearch (which SQLite and every
 * other statement read use), written with the function's parameters; a change to one is a new migration for the other.
 *
 * Rows: the range (entry_count, first_seq, opening, last_seq, closing) on each; then, when the range lists at most
 * entries_max entries, one row per block (seq, block_last_seq, entries, totals) and one per ledger entry around them
 * (seq and the entry's columns), in seq order; a single row without a part when it lists none. No row: the business
 * has no such customer.
 */
export async function up(db: Kysely<any>, context: MigrationContext): Promise<void> {
  if (context.store !== 'postgres') return;
  await sql`
    create or replace function coffer_statement_read(p_business_id text, p_customer_id text, p_currency text, p_from text, p_to text, p_entries_max bigint)
    returns table (entry_count bigint, first_seq bigint, opening bigint, last_seq bigint, closing bigint,
      seq bigint, block_last_seq bigint, entries text, totals text,
      id text, created_at text, event_type text, is_credit integer, amount bigint, before_balance bigint, after_balance bigint,
      reason text, reference_object_id text)
    language plpgsql stable
    set plan_cache_mode = force_generic_plan
    as $$
    #variable_conflict use_column
    begin
      return query
      with recursive
      n(entry_count) as (select coalesce(w.entry_count, 0) from customers c
        left join wallets w on w.customer_id = c.id and w.currency = p_currency and w.business_id = c.business_id
        where c.id = p_customer_id and c.business_id = p_business_id),
      -- Per bound: low is known before the instant (0: before the first entry), high known at or after it (count + 1).
      s(bound, instant, low, balance, high) as (
        select b.bound, case when b.bound = 0 then p_from else p_to end, cast(0 as bigint), cast(0 as bigint), cast(n.entry_count + 1 as bigint)
        from n cross join (select 0 as bound union all select 1) b
        union all
        select s.bound, s.instant, case when e.created_at < s.instant then e.wallet_seq else s.low end,
          case when e.created_at < s.instant then e.after_balance else s.balance end,
          case when e.created_at < s.instant then s.high else e.wallet_seq end
        from s join ledger_entries e on e.customer_id = p_customer_id and e.currency = p_currency and e.wallet_seq = (s.low + s.high) / 2
        where s.high - s.low > 1),
      r as (select max(n.entry_count) as entry_count,
          max(case when s.bound = 0 then s.low end) as first_seq, max(case when s.bound = 0 then s.balance end) as opening,
          max(case when s.bound = 1 then s.low end) as last_seq, max(case when s.bound = 1 then s.balance end) as closing
        from n cross join s where s.high - s.low <= 1 having count(*) = 2),
      b as (select k.first_seq, k.last_seq, k.entries, k.totals from r join wallet_statement_blocks k
        on k.customer_id = p_customer_id and k.currency = p_currency and k.first_seq > r.first_seq and k.last_seq <= r.last_seq
        where r.last_seq - r.first_seq <= p_entries_max),
      g as (select min(b.first_seq) as lo, max(b.last_seq) as hi from b),
      e as (
        select x.wallet_seq, x.id, x.created_at, x.event_type, x.is_credit, x.amount, x.before_balance, x.after_balance, x.reason, x.reference_object_id
        from r cross join g join ledger_entries x on x.customer_id = p_customer_id and x.currency = p_currency
          and x.wallet_seq > r.first_seq and x.wallet_seq <= coalesce(g.lo - 1, r.last_seq)
        where r.last_seq - r.first_seq <= p_entries_max
        union all
        select x.wallet_seq, x.id, x.created_at, x.event_type, x.is_credit, x.amount, x.before_balance, x.after_balance, x.reason, x.reference_object_id
        from r cross join g join ledger_entries x on x.customer_id = p_customer_id and x.currency = p_currency
          and x.wallet_seq > g.hi and x.wallet_seq <= r.last_seq
        where r.last_seq - r.first_seq <= p_entries_max)
      select cast(r.entry_count as bigint), r.first_seq, r.opening, r.last_seq, r.closing, p.* from r left join (
        select b.first_seq as seq, b.last_seq as block_last_seq, b.entries, b.totals,
          cast(null as text) as id, cast(null as text) as created_at, cast(null as text) as event_type, cast(null as integer) as is_credit,
          cast(null as bigint) as amount, cast(null as bigint) as before_balance, cast(null as bigint) as after_balance,
          cast(null as text) as reason, cast(null as text) as reference_object_id
        from b
        union all
        select e.wallet_seq, null, null, null, e.id, e.created_at, e.event_type, e.is_credit, e.amount, e.before_balance, e.after_balance, e.reason, e.reference_object_id
        from e) p on true
      order by p.seq;
    end
    $$`.execute(db);
}
