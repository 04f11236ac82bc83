// A wallet's daily closing balances from its ledger entries' after_balance: the balance-trend chart's series.

export interface BalancePoint {
  /** The UTC day, YYYY-MM-DD. */
  day: string;
  /** The balance at the end of that day, minor units. */
  balance: number;
}

const dayMs = 86_400_000;
/** Longest series one call builds (a year and a bit): a limit on the loop below. */
export const trendDaysMax = 400;

const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/**
 * One point per UTC day from `fromDay` to `toDay` (inclusive): the after_balance of that day's last entry, or the
 * previous day's closing balance when the day had none. `openingBalance` is the balance before the first day (the
 * after_balance of the last entry before it, 0 when there is none). Entries may come in any order; they must all
 * belong to one wallet, and within a wallet created_at never runs backwards (docs/architecture.md).
 */
export function dailyClosingBalances(
  entries: ReadonlyArray<{ created_at: string; after_balance: number; sequence: number }>,
  window: { fromDay: string; toDay: string; openingBalance: number },
): BalancePoint[] {
  const fromMs = Date.parse(`${window.fromDay}T00:00:00Z`);
  const toMs = Date.parse(`${window.toDay}T00:00:00Z`);
  if (!Number.isFinite(fromMs) || !Number.isFinite(toMs) || toMs < fromMs) return [];
  const days = Math.min(trendDaysMax, Math.floor((toMs - fromMs) / dayMs) + 1);
  const closing = new Map<string, { sequence: number; balance: number }>();
  for (const entry of entries) {
    const day = entry.created_at.slice(0, 10);
    const seen = closing.get(day);
    if (!seen || entry.sequence > seen.sequence) closing.set(day, { sequence: entry.sequence, balance: entry.after_balance });
  }
  const points: BalancePoint[] = [];
  let balance = window.openingBalance;
  for (let index = 0; index < days; index++) {
    const day = dayOf(fromMs + index * dayMs);
    balance = closing.get(day)?.balance ?? balance;
    points.push({ day, balance });
  }
  return points;
}

/** The first and last day of a window of `days` days ending on the day of `now` (UTC). */
export function trendWindow(now: Date, days: number): { fromDay: string; toDay: string } {
  const toMs = Date.parse(`${now.toISOString().slice(0, 10)}T00:00:00Z`);
  return { fromDay: dayOf(toMs - (Math.min(days, trendDaysMax) - 1) * dayMs), toDay: dayOf(toMs) };
}
