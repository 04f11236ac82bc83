// Verify pass over lots (migration 0006): each wallet's balance is the sum of its active lots' remainders and what its
// paid pool holds (migration 0019), each lot's draws and remainder add up to its amount, each expired lot has exactly
// one expiration entry for what expired, each entry that drew drew exactly its amount (from lots and the pool), the
// pool's offsets are dense and its counters their sums, and no debit drew from a lot at or after its expires_at.
import { sql } from 'kysely';
import type { HoldLotReservation } from '../db/schema.ts';
import { hasTable } from './verify-context.ts';
import type { VerifyContext } from './verify-context.ts';

/** Returns false when the store has no lots yet (a store before migration 0006). */
export async function verifyLots(context: VerifyContext): Promise<boolean> {
  const { trx, store, findings } = context;
  if (!(await hasTable(trx, store, 'credit_lots'))) return false;
  const limit = context.pageRowsMax;
  // With holds (migration 0009), what an active hold reserved left its lots' remainders: balance = lots + held.
  const withHolds = await hasTable(trx, store, 'holds');
  const reserved = withHolds ? await reservedByLot(context) : new Map<string, number>();
  const withPool = await hasColumn(trx, store, 'wallets', 'pool_in');
  // Balance = stored lots' remainders + what holds reserve of them (held − pool_held) + the pool (pool_in − pool_out).
  const held = withHolds ? (withPool ? sql`w.held_amount - w.pool_held + w.pool_in - w.pool_out` : sql`w.held_amount`) : sql`0`;
  const heldGroup = withHolds ? (withPool ? sql`, w.held_amount, w.pool_held, w.pool_in, w.pool_out` : sql`, w.held_amount`) : sql``;
  const notCapture = withHolds ? sql`and not exists (select 1 from holds h where h.capture_entry_id = e.id)` : sql``;

  const wallets = await sql<{ customer_id: string; currency: string; balance: number | string; lots: number | string }>`
    select w.customer_id, w.currency, w.balance, coalesce(sum(l.remaining_amount), 0) as lots
      from wallets w left join credit_lots l on l.customer_id = w.customer_id and l.currency = w.currency and l.status = 'active'
     group by w.customer_id, w.currency, w.balance${heldGroup}
    having w.balance <> coalesce(sum(l.remaining_amount), 0) + ${held}
     limit ${limit}`.execute(trx);
  for (const row of wallets.rows) {
    findings.add('lot_balance_mismatch', 'wallets', { customer_id: row.customer_id, currency: row.currency }, `balance ${row.balance}, active lots hold ${row.lots} besides what holds reserve and the pool`);
  }
  if (withPool) await verifyPool(context, reserved);

  const lots = await sql<{ id: string; amount: number | string; remaining_amount: number | string; drawn: number | string }>`
    select l.id, l.amount, l.remaining_amount, coalesce(sum(d.amount), 0) as drawn
      from credit_lots l left join lot_draws d on d.lot_id = l.id
     group by l.id, l.amount, l.remaining_amount
    having l.amount <> l.remaining_amount + coalesce(sum(d.amount), 0)
     limit ${limit + reserved.size}`.execute(trx);
  for (const row of lots.rows) {
    if (Number(row.amount) === Number(row.remaining_amount) + Number(row.drawn) + (reserved.get(row.id) ?? 0)) continue;
    findings.add('lot_amount_mismatch', 'credit_lots', { lot_id: row.id }, `amount ${row.amount} ≠ remaining ${row.remaining_amount} + drawn ${row.drawn}`);
  }

  const expired = await sql<{ id: string; expired_amount: number | string; entries: number | string; total: number | string | null }>`
    select l.id, l.expired_amount, count(e.id) as entries, sum(e.amount) as total
      from credit_lots l
      left join ledger_entries e on e.reference_object_id = l.id and e.event_type = 'expiration' and e.customer_id = l.customer_id
     where l.status = 'expired'
     group by l.id, l.expired_amount
    having count(e.id) < 1 or sum(e.amount) <> l.expired_amount
     limit ${limit}`.execute(trx);
  for (const row of expired.rows) {
    findings.add('lot_expiry_mismatch', 'credit_lots', { lot_id: row.id }, `expired ${row.expired_amount}, ${row.entries} expiration entries for ${row.total ?? 0}`);
  }
  const strayExpirations = await sql<{ id: string; reference_object_id: string | null }>`
    select e.id, e.reference_object_id from ledger_entries e left join credit_lots l on l.id = e.reference_object_id
     where e.event_type = 'expiration' and (l.id is null or l.status <> 'expired')
     limit ${limit}`.execute(trx);
  for (const row of strayExpirations.rows) {
    findings.add('lot_expiry_mismatch', 'ledger_entries', { entry_id: row.id }, `expiration entry for ${row.reference_object_id ?? 'no lot'}, which is not an expired lot`);
  }

  const entries = withPool
    ? await sql<{ id: string; amount: number | string; drawn: number | string }>`
    select e.id, e.amount, coalesce(sum(d.amount), 0) + coalesce(e.pool_amount, 0) as drawn
      from ledger_entries e left join lot_draws d on d.entry_id = e.id
     where e.is_credit = 0 and (e.pool_amount is not null or d.entry_id is not null)
     group by e.id, e.amount, e.pool_amount having e.amount <> coalesce(sum(d.amount), 0) + coalesce(e.pool_amount, 0)
     limit ${limit}`.execute(trx)
    : await sql<{ id: string; amount: number | string; drawn: number | string }>`
    select e.id, e.amount, sum(d.amount) as drawn from ledger_entries e join lot_draws d on d.entry_id = e.id
     group by e.id, e.amount having e.amount <> sum(d.amount)
     limit ${limit}`.execute(trx);
  for (const row of entries.rows) {
    findings.add('lot_draw_mismatch', 'ledger_entries', { entry_id: row.id }, `amount ${row.amount}, drew ${row.drawn} from lots`);
  }
  const lateDraws = await sql<{ entry_id: string; lot_id: string; created_at: string; expires_at: string }>`
    select d.entry_id, d.lot_id, e.created_at, l.expires_at
      from lot_draws d join ledger_entries e on e.id = d.entry_id join credit_lots l on l.id = d.lot_id
     where e.event_type <> 'expiration' and l.expires_at is not null and e.created_at >= l.expires_at ${notCapture}
     limit ${limit}`.execute(trx);
  for (const row of lateDraws.rows) {
    findings.add('lot_draw_mismatch', 'lot_draws', { entry_id: row.entry_id, lot_id: row.lot_id }, `drew at ${row.created_at} from a lot expired at ${row.expires_at}`);
  }
  for (const [lotId, amount] of reserved) {
    if (lotId.startsWith(poolKeyPrefix)) continue;
    const lot = await trx.selectFrom('credit_lots').select(['amount', 'remaining_amount', 'expired_amount']).where('id', '=', lotId).executeTakeFirst();
    if (!lot || Number(lot.remaining_amount) + Number(lot.expired_amount) + amount > Number(lot.amount)) {
      findings.add('hold_mismatch', 'credit_lots', { lot_id: lotId }, `active holds reserve ${amount} of a lot that ${lot ? `has ${lot.amount}, ${lot.remaining_amount} left and ${lot.expired_amount} expired` : 'does not exist'}`);
    }
  }
  const counted = await trx.selectFrom('credit_lots').select(sql<number | string>`count(*)`.as('count')).executeTakeFirstOrThrow();
  context.counted('credit_lots', Number(counted.count));
  return true;
}

/**
 * The paid pool of each wallet: every pool credit puts its whole amount in, each entry's offset is where the pool
 * stood before it (credits on pool_in, debits on pool_out: dense, no gap or overlap), the wallet's counters are
 * their sums, and pool_held is what active holds reserve of the pool.
 */
async function verifyPool(context: VerifyContext, reserved: Map<string, number>): Promise<void> {
  const { trx, findings } = context;
  const limit = context.pageRowsMax;
  const wholeCredits = await sql<{ id: string; customer_id: string }>`
    select id, customer_id from ledger_entries where is_credit = 1 and pool_offset is not null and (pool_amount is null or pool_amount <> amount)
     limit ${limit}`.execute(trx);
  for (const row of wholeCredits.rows) {
    findings.add('pool_mismatch', 'ledger_entries', { entry_id: row.id, customer_id: row.customer_id }, 'a pool credit puts other than its amount into the pool');
  }
  const offsets = await sql<{ id: string; customer_id: string; pool_offset: number | string; expected: number | string }>`
    select id, customer_id, pool_offset, expected from (
      select id, customer_id, pool_offset,
             coalesce(sum(pool_amount) over (partition by customer_id, currency, is_credit order by wallet_seq
                                             rows between unbounded preceding and 1 preceding), 0) as expected
        from ledger_entries where pool_offset is not null) o
     where pool_offset <> expected
     limit ${limit}`.execute(trx);
  for (const row of offsets.rows) {
    findings.add('pool_mismatch', 'ledger_entries', { entry_id: row.id, customer_id: row.customer_id }, `pool offset ${row.pool_offset}, but the pool's entries before it moved ${row.expected}`);
  }
  const counters = await sql<{ customer_id: string; currency: string; pool_in: number | string; pool_out: number | string; credited: number | string; debited: number | string }>`
    select w.customer_id, w.currency, w.pool_in, w.pool_out, coalesce(p.credited, 0) as credited, coalesce(p.debited, 0) as debited
      from wallets w left join (
        select customer_id, currency, sum(case when is_credit = 1 then pool_amount else 0 end) as credited,
               sum(case when is_credit = 0 then pool_amount else 0 end) as debited
          from ledger_entries where pool_offset is not null group by customer_id, currency) p
        on p.customer_id = w.customer_id and p.currency = w.currency
     where w.pool_in <> coalesce(p.credited, 0) or w.pool_out <> coalesce(p.debited, 0) or w.pool_out + w.pool_held > w.pool_in
     limit ${limit}`.execute(trx);
  for (const row of counters.rows) {
    findings.add('pool_mismatch', 'wallets', { customer_id: row.customer_id, currency: row.currency }, `pool in ${row.pool_in} / out ${row.pool_out}, its entries put in ${row.credited} and took ${row.debited}`);
  }
  const held = await sql<{ customer_id: string; currency: string; pool_held: number | string }>`
    select customer_id, currency, pool_held from wallets where pool_held > 0 limit ${limit}`.execute(trx);
  const heldByWallet = new Map<string, number>();
  for (const [key, amount] of reserved) if (key.startsWith(poolKeyPrefix)) heldByWallet.set(key, amount);
  for (const row of held.rows) {
    const key = poolKey(row.customer_id, row.currency);
    if (heldByWallet.get(key) !== Number(row.pool_held)) {
      findings.add('hold_mismatch', 'wallets', { customer_id: row.customer_id, currency: row.currency }, `pool_held ${row.pool_held}, active holds reserve ${heldByWallet.get(key) ?? 0} of the pool`);
    }
    heldByWallet.delete(key);
  }
  for (const [key, amount] of heldByWallet) {
    const [customerId, currency] = key.slice(poolKeyPrefix.length).split('/');
    findings.add('hold_mismatch', 'wallets', { customer_id: customerId, currency }, `active holds reserve ${amount} of the pool, pool_held is 0`);
  }
}

/** reservedByLot's key for what active holds reserve of a wallet's pool (lot ids never start with it). */
const poolKeyPrefix = 'pool:';
const poolKey = (customerId: string, currency: string) => `${poolKeyPrefix}${customerId}/${currency}`;

/** Whether a table has a column (columns arrive with later migrations). */
async function hasColumn(trx: VerifyContext['trx'], store: VerifyContext['store'], table: string, column: string): Promise<boolean> {
  const query =
    store === 'sqlite'
      ? sql<{ found: number }>`select count(*) as found from pragma_table_info(${table}) where name = ${column}`
      : sql<{ found: number }>`select count(*)::int as found from information_schema.columns where table_schema = current_schema() and table_name = ${table} and column_name = ${column}`;
  const { rows } = await query.execute(trx);
  return Number(rows[0].found) > 0;
}

/** What active holds reserve from each lot (their lots column, summed), and of each wallet's pool (under poolKey). */
async function reservedByLot(context: VerifyContext): Promise<Map<string, number>> {
  const reserved = new Map<string, number>();
  let after = '';
  for (;;) {
    const page = await context.trx
      .selectFrom('holds')
      .select(['id', 'lots', 'customer_id', 'currency'])
      .where('status', '=', 'active')
      .where('id', '>', after)
      .orderBy('id')
      .limit(context.pageRowsMax)
      .execute();
    if (page.length === 0) return reserved;
    for (const hold of page) {
      for (const part of JSON.parse(hold.lots) as HoldLotReservation[]) {
        const key = part.lot_id ?? poolKey(hold.customer_id, hold.currency);
        reserved.set(key, (reserved.get(key) ?? 0) + part.amount);
      }
    }
    after = page[page.length - 1].id;
  }
}
