// Bounds, defaults and names of auto-recharge, unit last in each name.
import { entryAmountMax, walletBalanceMax } from '../shared/money.ts';

/** The check job: re-reads a wallet and starts (or resumes, or settles) its recharge; key `<customer>:<currency>:<checks>`. */
export const rechargeJobKind = 'wallet.auto_recharge';
/** Attempts of one check job (a processor that does not answer is asked again every rechargePendingRetryMs). */
export const rechargeJobAttemptsMax = 20;
export const rechargePendingRetryMs = 30_000;

/** The scope of the top-up keys auto-recharge derives (`auto_recharge:<attempt id>`). */
export const rechargeScope = 'coffer:auto_recharge' as const;
export const rechargeTopUpKey = (attemptId: string) => `auto_recharge:${attemptId}`;

export const rechargeThresholdAmountMax = walletBalanceMax;
export const rechargeAmountMax = entryAmountMax;
/** cooldown_seconds: 0 (only the in-flight guard) up to 30 days; one hour when absent. */
export const rechargeCooldownSecondsMax = 30 * 86_400;
export const rechargeCooldownSecondsDefault = 3_600;
/** monthly_cap_amount: at least `amount`; ten recharges a month when absent. */
export const rechargeMonthlyCapAmountMax = walletBalanceMax;
export const rechargeMonthlyCapRechargesDefault = 10;
/** max_declines: failed attempts in a row that disable auto-recharge (and emit wallet.auto_recharge.disabled). */
export const rechargeMaxDeclinesMax = 20;
export const rechargeMaxDeclinesDefault = 3;

/** The wait after the n-th failed attempt in a row: base × 2^(n−1), at most the max. */
export const rechargeDeclineBackoffBaseMs = 3_600_000;
export const rechargeDeclineBackoffMaxMs = 86_400_000;

/**
 * An attempt still processing whose check job is not running it (that job died or used up its attempts) is resumed by
 * the next check once it has not moved for this long: its top-up is driven to its end under the same key.
 */
export const rechargeInFlightStaleMs = 300_000;

/** Attempts GET shows, newest first. */
export const rechargeRecentAttemptsMax = 10;

export function declineBackoffMs(declines: number): number {
  return Math.min(rechargeDeclineBackoffMaxMs, rechargeDeclineBackoffBaseMs * 2 ** Math.max(0, Math.min(declines - 1, 30)));
}

/** The UTC calendar month holding `at`, as [start, next start): the monthly cap's window. */
export function utcMonthOf(at: Date): { start: Date; end: Date } {
  return { start: new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), 1)), end: new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + 1, 1)) };
}
