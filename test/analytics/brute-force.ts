// Brute-force recomputation of every analytics figure straight from the raw tables, written independently of
// src/analytics (its own day arithmetic through Intl, no rollups, no search): what the property tests compare with.
import type { Kysely } from 'kysely';
import type { Database } from '../../src/db/schema.ts';

export interface RawEntry {
  id: string;
  customer_id: string;
  currency: string;
  amount: number;
  is_credit: boolean;
  event_type: string;
  after_balance: number;
  wallet_seq: number;
  created_at: string;
  /** Promotional money this entry added (credit into a promotional lot) or took (draws from promotional lots). */
  promotional: number;
}

export async function rawEntries(db: Kysely<Database>, businessId: string): Promise<RawEntry[]> {
  const entries = await db.selectFrom('ledger_entries').selectAll().where('business_id', '=', businessId).orderBy('customer_id').orderBy('currency').orderBy('wallet_seq').execute();
  const lots = await db.selectFrom('credit_lots').selectAll().where('business_id', '=', businessId).execute();
  const draws = await db.selectFrom('lot_draws').innerJoin('credit_lots', 'credit_lots.id', 'lot_draws.lot_id').select(['lot_draws.entry_id', 'lot_draws.amount', 'credit_lots.category']).where('credit_lots.business_id', '=', businessId).execute();
  const promoBySource = new Map(lots.filter((l) => l.category === 'promotional').map((l) => [l.source_entry_id, Number(l.amount)]));
  const drawn = new Map<string, number>();
  for (const d of draws) if (d.category === 'promotional') drawn.set(d.entry_id, (drawn.get(d.entry_id) ?? 0) + Number(d.amount));
  return entries.map((e) => ({
    id: e.id,
    customer_id: e.customer_id,
    currency: e.currency,
    amount: Number(e.amount),
    is_credit: Number(e.is_credit) === 1,
    event_type: e.event_type,
    after_balance: Number(e.after_balance),
    wallet_seq: Number(e.wallet_seq),
    created_at: e.created_at,
    promotional: (e.is_credit ? (promoBySource.get(e.id) ?? 0) : 0) - (drawn.get(e.id) ?? 0),
  }));
}

/** The local calendar day of an instant, by Intl's sv-SE format (YYYY-MM-DD), independent of zone-days.ts. */
export function dayIn(instant: string, zone: string): string {
  return new Date(instant).toLocaleDateString('sv-SE', { timeZone: zone });
}

export function balanceAt(entries: readonly RawEntry[], customerId: string, currency: string, isIn: (createdAt: string) => boolean): number {
  let balance = 0;
  for (const e of entries) if (e.customer_id === customerId && e.currency === currency && isIn(e.created_at)) balance = e.after_balance;
  return balance;
}

function weekStart(day: string): string {
  const date = new Date(`${day}T00:00:00Z`);
  const back = (date.getUTCDay() + 6) % 7;
  return new Date(date.getTime() - back * 86_400_000).toISOString().slice(0, 10);
}

export const periodOf = (day: string, period: 'day' | 'week' | 'month') => (period === 'day' ? day : period === 'month' ? `${day.slice(0, 7)}-01` : weekStart(day));

export function bruteActivity(entries: readonly RawEntry[], zone: string, from: string, to: string, period: 'day' | 'week' | 'month') {
  const rows = new Map<string, { period_start: string; currency: string; event_type: string; credit_amount: number; debit_amount: number; entry_count: number }>();
  for (const e of entries) {
    const day = dayIn(e.created_at, zone);
    if (day < from || day >= to) continue;
    const start = periodOf(day, period);
    const key = `${start}|${e.currency}|${e.event_type}`;
    const row = rows.get(key) ?? { period_start: start, currency: e.currency, event_type: e.event_type, credit_amount: 0, debit_amount: 0, entry_count: 0 };
    if (e.is_credit) row.credit_amount += e.amount;
    else row.debit_amount += e.amount;
    row.entry_count += 1;
    rows.set(key, row);
  }
  return [...rows.values()].sort((a, b) => (`${a.period_start}|${a.currency}|${a.event_type}` < `${b.period_start}|${b.currency}|${b.event_type}` ? -1 : 1));
}

export function bruteLiability(entries: readonly RawEntry[], zone: string, date: string, currencies: readonly string[]) {
  return [...currencies].sort().map((currency) => {
    let total = 0;
    let promotional = 0;
    for (const e of entries) {
      if (e.currency !== currency || dayIn(e.created_at, zone) > date) continue;
      total += e.is_credit ? e.amount : -e.amount;
      promotional += e.promotional;
    }
    return { currency, total, paid: total - promotional, promotional };
  });
}

export function bruteTop(entries: readonly RawEntry[], zone: string, from: string, to: string, currency: string, limit: number) {
  const spend = new Map<string, number>();
  for (const e of entries) {
    const day = dayIn(e.created_at, zone);
    if (e.currency !== currency || e.is_credit || e.event_type === 'expiration' || day < from || day >= to) continue;
    spend.set(e.customer_id, (spend.get(e.customer_id) ?? 0) + e.amount);
  }
  return [...spend.entries()]
    .map(([customer_id, value]) => ({ customer_id, spend: value }))
    .sort((a, b) => b.spend - a.spend || (a.customer_id < b.customer_id ? -1 : 1))
    .slice(0, limit);
}

export function bruteBreakage(entries: readonly RawEntry[], zone: string, from: string, to: string, period: 'day' | 'week' | 'month') {
  const rows = new Map<string, { period_start: string; currency: string; expired_amount: number; promotional_amount: number }>();
  for (const e of entries) {
    const day = dayIn(e.created_at, zone);
    if (e.event_type !== 'expiration' || day < from || day >= to) continue;
    const start = periodOf(day, period);
    const key = `${start}|${e.currency}`;
    const row = rows.get(key) ?? { period_start: start, currency: e.currency, expired_amount: 0, promotional_amount: 0 };
    row.expired_amount += e.amount;
    row.promotional_amount -= e.promotional;
    rows.set(key, row);
  }
  return [...rows.values()].sort((a, b) => (`${a.period_start}|${a.currency}` < `${b.period_start}|${b.currency}` ? -1 : 1));
}
