// 0006: balance expiration. Every credit becomes a lot (credit_lots); every entry that consumes lots records what it
// drew from each (lot_draws); wallets keep the earliest expiry of their active lots. Wallets with a positive balance
// get an opening lot (paid, never expires), so that balance = Σ remaining of active lots holds from the start.
import { type Kysely, sql } from 'kysely';
import { neverExpiresOrder } from '../../credits/lot-order.ts';
import { newId } from '../../shared/ids.ts';
import { type MigrationContext, int64Type } from './migration.ts';

const openingLotsPageMax = 1000;

export async function up(db: Kysely<any>, context: MigrationContext): Promise<void> {
  const int64 = int64Type(context.store);
  await db.schema.alterTable('wallets').addColumn('next_expiry_at', 'text').execute();

  await db.schema
    .createTable('credit_lots')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('business_id', 'text', (c) => c.notNull())
    .addColumn('customer_id', 'text', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('amount', int64, (c) => c.notNull().check(sql`amount > 0 and amount <= 9007199254740991`))
    .addColumn('remaining_amount', int64, (c) => c.notNull().check(sql`remaining_amount >= 0`))
    .addColumn('expired_amount', int64, (c) => c.notNull().defaultTo(0).check(sql`expired_amount >= 0`))
    .addColumn('category', 'text', (c) => c.notNull().check(sql`category in ('paid', 'promotional')`))
    // 0 promotional, 1 paid: the consumption order's second key (src/credits/lot-order.ts).
    .addColumn('category_rank', 'integer', (c) => c.notNull().check(sql`category_rank in (0, 1)`))
    .addColumn('expires_at', 'text')
    // expires_at, or 9999-12-31T23:59:59.999Z for a lot that never expires: the order's first key, never NULL.
    .addColumn('expires_order', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('active', 'expired', 'spent')`))
    // The wallet_seq of the credit that made it (0 for an opening lot): the order's last key, oldest first.
    .addColumn('wallet_seq', int64, (c) => c.notNull().check(sql`wallet_seq >= 0`))
    .addColumn('source_entry_id', 'text')
    .addColumn('expiry_entry_id', 'text')
    // When wallet.credits_expiring was emitted for it (once per lot), or null.
    .addColumn('notice_sent_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addCheckConstraint('credit_lots_amounts', sql`remaining_amount + expired_amount <= amount`)
    .addCheckConstraint(
      'credit_lots_status',
      sql`(status = 'active' and remaining_amount > 0 and expired_amount = 0)
          or (status = 'spent' and remaining_amount = 0 and expired_amount = 0)
          or (status = 'expired' and remaining_amount = 0 and expired_amount > 0 and expires_at is not null)`,
    )
    .execute();
  // The consumption order, as an index: a debit reads a wallet's active lots in order and stops at what it needs; the
  // lots listing pages through it too. It is the table's only index besides the primary key, and lot_draws has none
  // besides its own: every credit and debit pays for each index (coffer verify reads them whole without one).
  await db.schema
    .createIndex('credit_lots_consumption')
    .on('credit_lots')
    .columns(['customer_id', 'currency', 'status', 'expires_order', 'category_rank', 'wallet_seq'])
    .unique()
    .execute();

  await db.schema
    .createTable('lot_draws')
    .addColumn('entry_id', 'text', (c) => c.notNull())
    .addColumn('lot_id', 'text', (c) => c.notNull().references('credit_lots.id'))
    .addColumn('amount', int64, (c) => c.notNull().check(sql`amount > 0`))
    .addPrimaryKeyConstraint('lot_draws_pk', ['entry_id', 'lot_id'])
    .execute();

  await openingLots(db);
  if (context.store === 'postgres') await loadFunction(db);
}

/** One opening lot per wallet with a positive balance: paid, never expires, the oldest of its wallet (wallet_seq 0). */
async function openingLots(db: Kysely<any>): Promise<void> {
  let after: [string, string] = ['', ''];
  for (;;) {
    const wallets: Array<{ customer_id: string; currency: string; business_id: string; balance: number | string; updated_at: string }> = await db
      .selectFrom('wallets')
      .select(['customer_id', 'currency', 'business_id', 'balance', 'updated_at'])
      .where((eb) => eb(eb.refTuple('customer_id', 'currency'), '>', eb.tuple(after[0], after[1])))
      .orderBy('customer_id')
      .orderBy('currency')
      .limit(openingLotsPageMax)
      .execute();
    if (wallets.length === 0) return;
    const rows = wallets
      .filter((w) => Number(w.balance) > 0)
      .map((w) => ({
        id: newId('lot'),
        business_id: w.business_id,
        customer_id: w.customer_id,
        currency: w.currency,
        amount: Number(w.balance),
        remaining_amount: Number(w.balance),
        expired_amount: 0,
        category: 'paid',
        category_rank: 1,
        expires_at: null,
        expires_order: neverExpiresOrder,
        status: 'active',
        wallet_seq: 0,
        source_entry_id: null,
        expiry_entry_id: null,
        notice_sent_at: null,
        created_at: w.updated_at,
        updated_at: w.updated_at,
      }));
    if (rows.length > 0) await db.insertInto('credit_lots').values(rows).execute();
    const last = wallets[wallets.length - 1];
    after = [last.customer_id, last.currency];
  }
}

/**
 * The writer's load with lots: lock the batch's customers, read their wallets and the named idempotency records (as
 * coffer_ledger_load does), then for each wallet the batch debits, or whose earliest expiry has come, its active lots
 * in consumption order: every expired one, then unexpired ones until they cover what the batch may debit, plus one
 * more (so the writer knows the wallet's next expiry). The FOR loop reads the ordered index through a cursor and
 * stops there: a wallet with 10,000 lots costs what the debit needs.
 */
async function loadFunction(db: Kysely<any>): Promise<void> {
  await sql`
    create function coffer_ledger_load_lots(customer_ids text[], key_businesses text[], key_scopes text[], key_keys text[],
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
      -- One query finds the wallets to read: those the batch debits, and those whose earliest expiry has come.
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
                             wl.entry_count, wl.created_at, wl.updated_at, wl.next_expiry_at,
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
