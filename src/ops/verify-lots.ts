// Verify pass over lots (migration 0006): each wallet's balance is the sum of its active lots' remainders, each lot's
// draws and remainder add up to its amount, each expired lot has exactly one expiration entry for what expired, each
// entry that drew drew exactly its amount, and no debit drew from a lot at or after its expires_at.
import { sql } from 'kysely';
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
  const held = withHolds ? sql`w.held_amount` : sql`0`;
  const heldGroup = withHolds ? sql`, w.held_amount` : sql``;
  const notCapture = withHolds ? sql`and not exists (select 1 from holds h where h.capture_entry_id = e.id)` : sql``;

  const wallets = await sql<{ customer_id: string; currency: string; balance: number | string; lots: number | string }>`
    select w.customer_id, w.currency, w.balance, coalesce(sum(l.remaining_amount), 0) as lots
      from wallets w left join credit_lots l on l.customer_id = w.customer_id and l.currency = w.currency and l.status = 'active'
     group by w.customer_id, w.currency, w.balance${heldGroup}
    having w.balance <> coalesce(sum(l.remaining_amount), 0) + ${held}
     limit ${limit}`.execute(trx);
  for (const row of wallets.rows) {
    findings.add('lot_balance_mismatch', 'wallets', { customer_id: row.customer_id, currency: row.currency }, `balance ${row.balance}, active lots hold ${row.lots} besides what holds reserve`);
  }

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

  const entries = await sql<{ id: string; amount: number | string; drawn: number | string }>`
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
    const lot = await trx.selectFrom('credit_lots').select(['amount', 'remaining_amount', 'expired_amount']).where('id', '=', lotId).executeTakeFirst();
    if (!lot || Number(lot.remaining_amount) + Number(lot.expired_amount) + amount > Number(lot.amount)) {
      findings.add('hold_mismatch', 'credit_lots', { lot_id: lotId }, `active holds reserve ${amount} of a lot that ${lot ? `has ${lot.amount}, ${lot.remaining_amount} left and ${lot.expired_amount} expired` : 'does not exist'}`);
    }
  }
  const counted = await trx.selectFrom('credit_lots').select(sql<number | string>`count(*)`.as('count')).executeTakeFirstOrThrow();
  context.counted('credit_lots', Number(counted.count));
  return true;
}

/** What active holds reserve from each lot (their lots column, summed). */
async function reservedByLot(context: VerifyContext): Promise<Map<string, number>> {
  const reserved = new Map<string, number>();
  let after = '';
  for (;;) {
    const page = await context.trx.selectFrom('holds').select(['id', 'lots']).where('status', '=', 'active').where('id', '>', after).orderBy('id').limit(context.pageRowsMax).execute();
    if (page.length === 0) return reserved;
    for (const hold of page) {
      for (const part of JSON.parse(hold.lots) as Array<{ lot_id: string; amount: number }>) reserved.set(part.lot_id, (reserved.get(part.lot_id) ?? 0) + part.amount);
    }
    after = page[page.length - 1].id;
  }
}
