// The depletion forecast, pure: a burn rate over a trailing window of local days, the projected depletion instant,
// and why it may not be trusted (too little history, irregular spend, a recent top-up).
import { forecastDebitsMin, forecastIrregularity, forecastRecentTopUpDays } from './analytics-limits.ts';
import type { DayFact } from './day-facts.ts';
import { addDays } from './zone-days.ts';

const instantMaxMs = 253402300799999;

export type ForecastReason = 'too_little_history' | 'irregular_spend' | 'recent_top_up';

export interface ForecastInput {
  /** The wallet's facts per day ('wallet_day' grouping) from the window's first day on. */
  facts: readonly DayFact[];
  balance: number;
  nowMs: number;
  /** Local day of now, in the business's zone. */
  today: string;
  windowDays: number;
  /** created_at of the wallet's first entry, or null when it has none. */
  firstEntryAt: string | null;
}

export interface Forecast {
  balance: number;
  window_days: number;
  /** What left the wallet in the window, expirations aside (they are breakage, not use). */
  window_spend: number;
  /** window_spend / window_days, rounded to a whole minor unit. */
  burn_rate_per_day: number;
  /** When the balance runs out at that rate; null when nothing is spent (or nothing is left to spend: now). */
  projected_depletion_at: string | null;
  confidence: 'high' | 'low';
  reasons: ForecastReason[];
}

/** The window's first day: windowDays local days ending today (inclusive). */
export const windowStartDay = (today: string, windowDays: number) => addDays(today, -(windowDays - 1));

export function forecast(input: ForecastInput): Forecast {
  const start = windowStartDay(input.today, input.windowDays);
  const spendByDay = new Map<string, number>();
  let recentTopUp = false;
  const recentStart = addDays(input.today, -(forecastRecentTopUpDays - 1));
  for (const f of input.facts) {
    if (f.day < start || f.day > input.today) continue;
    if (f.eventType !== 'expiration' && f.debitAmount > 0) spendByDay.set(f.day, (spendByDay.get(f.day) ?? 0) + f.debitAmount);
    if (f.creditAmount > 0 && f.day >= recentStart) recentTopUp = true;
  }
  const spend = [...spendByDay.values()].reduce((a, b) => a + b, 0);
  const reasons: ForecastReason[] = [];
  const windowStartMs = input.nowMs - input.windowDays * 86_400_000;
  if (input.firstEntryAt === null || Date.parse(input.firstEntryAt) > windowStartMs || spendByDay.size < forecastDebitsMin) reasons.push('too_little_history');
  if (spend > 0) {
    const mean = spend / input.windowDays;
    let squares = 0;
    for (let i = 0; i < input.windowDays; i++) squares += ((spendByDay.get(addDays(start, i)) ?? 0) - mean) ** 2;
    if (Math.sqrt(squares / input.windowDays) / mean > forecastIrregularity) reasons.push('irregular_spend');
  }
  if (recentTopUp) reasons.push('recent_top_up');
  let projected: string | null = null;
  if (input.balance <= 0) projected = new Date(input.nowMs).toISOString();
  else if (spend > 0) {
    const atMs = input.nowMs + Math.floor((input.balance / spend) * input.windowDays * 86_400_000);
    // Past the year 9999 (a tiny spend against a large balance) there is no instant to name: as good as never.
    projected = atMs <= instantMaxMs ? new Date(atMs).toISOString() : null;
  }
  return {
    balance: input.balance,
    window_days: input.windowDays,
    window_spend: spend,
    burn_rate_per_day: Math.round(spend / input.windowDays),
    projected_depletion_at: projected,
    confidence: reasons.length === 0 ? 'high' : 'low',
    reasons,
  };
}

/** Whether the projected instant comes within the horizon from now. */
export const withinHorizon = (f: Forecast, nowMs: number, horizonDays: number) =>
  f.projected_depletion_at !== null && f.balance > 0 && Date.parse(f.projected_depletion_at) <= nowMs + horizonDays * 86_400_000;
