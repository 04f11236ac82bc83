// Day facts: what one wallet's entries of one local day and one event type add up to. Rollup rows are stored facts;
// entries after a wallet's rollup cursor become facts at read time, so a report is exact whatever the rollup's lag.
import type { FactEntry } from './entry-reads.ts';
import { DayBucketer } from './zone-days.ts';

export interface DayFact {
  customerId: string;
  currency: string;
  day: string;
  eventType: string;
  creditAmount: number;
  debitAmount: number;
  entryCount: number;
  promotionalDelta: number;
}

export const factKey = (f: Pick<DayFact, 'customerId' | 'currency' | 'day' | 'eventType'>) => `${f.customerId}\u0000${f.currency}\u0000${f.day}\u0000${f.eventType}`;

/** Adds the entries (by wallet, oldest first: the bucketer formats once per day) to `facts`, in local days of `zone`. */
export function addEntryFacts(
  facts: Map<string, DayFact>,
  entries: readonly FactEntry[],
  promotional: ReadonlyMap<string, number>,
  zone: string,
): void {
  const bucketer = new DayBucketer(zone);
  for (const e of entries) {
    const day = bucketer.dayOf(Date.parse(e.created_at));
    const key = factKey({ customerId: e.customer_id, currency: e.currency, day, eventType: e.event_type });
    let fact = facts.get(key);
    if (!fact) {
      fact = { customerId: e.customer_id, currency: e.currency, day, eventType: e.event_type, creditAmount: 0, debitAmount: 0, entryCount: 0, promotionalDelta: 0 };
      facts.set(key, fact);
    }
    if (e.is_credit === 1) fact.creditAmount += e.amount;
    else fact.debitAmount += e.amount;
    fact.entryCount += 1;
    fact.promotionalDelta += promotional.get(e.id) ?? 0;
  }
}
