// Business reports from day facts, pure: activity per period and event type, top customers by spend, the liability
// per currency split paid and promotional, and breakage (expired amounts) per period.
import type { DayFact } from './day-facts.ts';
import { type Period, periodStart } from './zone-days.ts';

export interface ActivityRow {
  period_start: string;
  currency: string;
  event_type: string;
  credit_amount: number;
  debit_amount: number;
  entry_count: number;
}

const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export function activity(facts: readonly DayFact[], period: Period): ActivityRow[] {
  const rows = new Map<string, ActivityRow>();
  for (const f of facts) {
    const start = periodStart(f.day, period);
    const key = `${start}\u0000${f.currency}\u0000${f.eventType}`;
    let row = rows.get(key);
    if (!row) {
      row = { period_start: start, currency: f.currency, event_type: f.eventType, credit_amount: 0, debit_amount: 0, entry_count: 0 };
      rows.set(key, row);
    }
    row.credit_amount += f.creditAmount;
    row.debit_amount += f.debitAmount;
    row.entry_count += f.entryCount;
  }
  return [...rows.values()].sort((a, b) => byText(a.period_start, b.period_start) || byText(a.currency, b.currency) || byText(a.event_type, b.event_type));
}

/** Spend is what debits took, expirations aside (breakage is not use); ties in customer id order. */
export function topCustomers(facts: readonly DayFact[], limit: number): Array<{ customer_id: string; spend: number; debit_count: number }> {
  const spend = new Map<string, { customer_id: string; spend: number; debit_count: number }>();
  for (const f of facts) {
    if (f.eventType === 'expiration' || f.debitAmount === 0) continue;
    const row = spend.get(f.customerId) ?? { customer_id: f.customerId, spend: 0, debit_count: 0 };
    row.spend += f.debitAmount;
    spend.set(f.customerId, row);
  }
  return [...spend.values()].sort((a, b) => b.spend - a.spend || byText(a.customer_id, b.customer_id)).slice(0, limit);
}

export interface LiabilityRow {
  currency: string;
  total: number;
  paid: number;
  promotional: number;
}

/** What the wallets held together (every fact up to the date), per currency. */
export function liability(facts: readonly DayFact[], currencies: readonly string[]): LiabilityRow[] {
  const rows = new Map<string, LiabilityRow>(currencies.map((c) => [c, { currency: c, total: 0, paid: 0, promotional: 0 }]));
  for (const f of facts) {
    const row = rows.get(f.currency) ?? { currency: f.currency, total: 0, paid: 0, promotional: 0 };
    row.total += f.creditAmount - f.debitAmount;
    row.promotional += f.promotionalDelta;
    rows.set(f.currency, row);
  }
  for (const row of rows.values()) row.paid = row.total - row.promotional;
  return [...rows.values()].sort((a, b) => byText(a.currency, b.currency));
}

export interface BreakageRow {
  period_start: string;
  currency: string;
  expired_amount: number;
  /** The part of expired_amount that was promotional money. */
  promotional_amount: number;
}

export function breakage(facts: readonly DayFact[], period: Period): BreakageRow[] {
  const rows = new Map<string, BreakageRow>();
  for (const f of facts) {
    if (f.eventType !== 'expiration') continue;
    const start = periodStart(f.day, period);
    const key = `${start}\u0000${f.currency}`;
    const row = rows.get(key) ?? { period_start: start, currency: f.currency, expired_amount: 0, promotional_amount: 0 };
    row.expired_amount += f.debitAmount;
    row.promotional_amount -= f.promotionalDelta;
    rows.set(key, row);
  }
  return [...rows.values()].sort((a, b) => byText(a.period_start, b.period_start) || byText(a.currency, b.currency));
}
