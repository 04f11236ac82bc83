// Verify pass over holds (migration 0009): each wallet's held_amount is the sum of its active holds and at most its
// balance; each hold reserved exactly its amount from lots; each captured hold has its debit entry of what it captured.
import { sql } from 'kysely';
import { hasTable } from './verify-context.ts';
import type { VerifyContext } from './verify-context.ts';

/** Returns false when the store has no holds yet (a store before migration 0009). */
export async function verifyHolds(context: VerifyContext): Promise<boolean> {
  const { trx, store, findings } = context;
  if (!(await hasTable(trx, store, 'holds'))) return false;
  const limit = context.pageRowsMax;

  const wallets = await sql<{ customer_id: string; currency: string; held_amount: number | string; balance: number | string; holds: number | string }>`
    select w.customer_id, w.currency, w.held_amount, w.balance, coalesce(sum(h.amount), 0) as holds
      from wallets w left join holds h on h.customer_id = w.customer_id and h.currency = w.currency and h.status = 'active'
     group by w.customer_id, w.currency, w.held_amount, w.balance
    having w.held_amount <> coalesce(sum(h.amount), 0) or w.held_amount > w.balance
     limit ${limit}`.execute(trx);
  for (const row of wallets.rows) {
    findings.add('hold_mismatch', 'wallets', { customer_id: row.customer_id, currency: row.currency }, `held_amount ${row.held_amount}, active holds ${row.holds}, balance ${row.balance}`);
  }

  const captured = await sql<{ id: string; captured_amount: number | string; entry_amount: number | string | null; is_credit: number | string | null }>`
    select h.id, h.captured_amount, e.amount as entry_amount, e.is_credit
      from holds h left join ledger_entries e on e.id = h.capture_entry_id
     where h.status = 'captured' and (e.id is null or e.amount <> h.captured_amount or e.is_credit <> 0)
     limit ${limit}`.execute(trx);
  for (const row of captured.rows) {
    findings.add('hold_mismatch', 'holds', { hold_id: row.id }, `captured ${row.captured_amount}, its debit entry ${row.entry_amount === null ? 'is missing' : `is of ${row.entry_amount}`}`);
  }

  let after = '';
  let rows = 0;
  for (;;) {
    const page = await trx.selectFrom('holds').select(['id', 'amount', 'lots']).where('id', '>', after).orderBy('id').limit(limit).execute();
    if (page.length === 0) break;
    for (const hold of page) {
      const parts = JSON.parse(hold.lots) as Array<{ amount: number }>;
      const total = parts.reduce((sum, part) => sum + part.amount, 0);
      if (total !== Number(hold.amount)) findings.add('hold_mismatch', 'holds', { hold_id: hold.id }, `amount ${hold.amount}, reserved ${total} from lots`);
    }
    rows += page.length;
    after = page[page.length - 1].id;
  }
  context.counted('holds', rows);
  return true;
}
