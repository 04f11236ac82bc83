// Money is integer minor units (cents, paise). Limits and currency conversion for total_balance_usd live here.

/** Largest amount a single ledger entry may carry: 10^15 minor units ($10 trillion in cents). */
export const entryAmountMax = 1_000_000_000_000_000;
/** Largest balance a wallet may hold: the largest integer a JSON number carries exactly. */
export const walletBalanceMax = Number.MAX_SAFE_INTEGER;

/** Minor-unit exponent per ISO 4217 currency; 2 unless listed. */
const minorUnitExponents: Record<string, number> = {
  BIF: 0, CLP: 0, DJF: 0, GNF: 0, ISK: 0, JPY: 0, KMF: 0, KRW: 0, PYG: 0, RWF: 0, UGX: 0, UYI: 0,
  VND: 0, VUV: 0, XAF: 0, XOF: 0, XPF: 0, BHD: 3, IQD: 3, JOD: 3, KWD: 3, LYD: 3, OMR: 3, TND: 3,
};

export function minorUnitExponent(currency: string): number {
  return minorUnitExponents[currency] ?? 2;
}

const rateScaleDigits = 12;

/** Parses a non-negative decimal string into an integer scaled by 10^12, exactly. */
function scaledRate(rate: string): bigint {
  const [whole, fraction = ''] = rate.split('.');
  return BigInt(whole + fraction.padEnd(rateScaleDigits, '0').slice(0, rateScaleDigits));
}

/**
 * Converts balances to US cents: each balance is converted exactly (rational arithmetic), the exact values are
 * summed, and the sum is rounded once, half up, to a whole cent.
 */
export function totalInUsdCents(
  balances: ReadonlyArray<{ currency: string; balance: number }>,
  fxRatesToUsd: Readonly<Record<string, string>>,
): number {
  let numerator = 0n; // US cents × 10^denominatorExponent, exact
  const denominatorExponent = rateScaleDigits + 6; // covers source exponents up to 6
  for (const { currency, balance } of balances) {
    if (balance === 0) continue;
    const rate = fxRatesToUsd[currency];
    if (rate === undefined) throw new Error(`no FX rate for ${currency}`);
    // balance minor units × rate (USD per major) = balance × rate / 10^exp USD = balance × rate × 10^(2-exp) cents.
    const exponent = minorUnitExponent(currency);
    numerator += BigInt(balance) * scaledRate(rate) * 10n ** BigInt(denominatorExponent - rateScaleDigits - exponent + 2);
  }
  const denominator = 10n ** BigInt(denominatorExponent);
  const cents = (numerator + denominator / 2n) / denominator;
  return Number(cents);
}
