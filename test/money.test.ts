// Unit tests of src/shared/money.ts: the limits, minor-unit exponents, and exact conversion to US cents.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { defaultFxRatesToUsd } from '../src/config/config.ts';
import { entryAmountMax, minorUnitExponent, totalInUsdCents, walletBalanceMax } from '../src/shared/money.ts';

const rates: Record<string, string> = { ...defaultFxRatesToUsd, EUR: '1.1', JPY: '0.0067', KWD: '3.25', GBP: '1.27' };

describe('limits', () => {
  it('caps one entry at 10^15 minor units and a balance at the largest safe integer', () => {
    expect(entryAmountMax).toBe(1_000_000_000_000_000);
    expect(Number.isSafeInteger(entryAmountMax)).toBe(true);
    expect(walletBalanceMax).toBe(Number.MAX_SAFE_INTEGER);
    // Nine entries at the cap still fit in a balance, so the entry cap never hides the balance cap.
    expect(9 * entryAmountMax).toBeLessThan(walletBalanceMax);
  });
});

describe('minorUnitExponent', () => {
  it.each([
    ['USD', 2],
    ['INR', 2],
    ['EUR', 2],
    ['JPY', 0],
    ['KRW', 0],
    ['KWD', 3],
    ['BHD', 3],
  ])('%s has %i decimal places', (currency, exponent) => {
    expect(minorUnitExponent(currency)).toBe(exponent);
  });
});

describe('totalInUsdCents', () => {
  it('passes US cents through unchanged, up to the largest safe integer', () => {
    expect(totalInUsdCents([{ currency: 'USD', balance: 1234 }], rates)).toBe(1234);
    expect(totalInUsdCents([{ currency: 'USD', balance: Number.MAX_SAFE_INTEGER }], rates)).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('converts 1000 cents + 100000 paise at INR=0.012 to exactly 2200', () => {
    const balances = [
      { currency: 'USD', balance: 1000 },
      { currency: 'INR', balance: 100_000 },
    ];
    expect(totalInUsdCents(balances, rates)).toBe(2200);
  });

  it.each([
    [{ currency: 'INR', balance: 41 }, 0], // 0.492
    [{ currency: 'INR', balance: 42 }, 1], // 0.504
    [{ currency: 'INR', balance: 125 }, 2], // 1.5: half rounds up
    [{ currency: 'INR', balance: 375 }, 5], // 4.5
    [{ currency: 'EUR', balance: 5 }, 6], // 5.5
    [{ currency: 'JPY', balance: 1000 }, 670], // 1000 yen × 0.0067 USD = 6.70 USD
    [{ currency: 'JPY', balance: 1 }, 1], // 0.67
    [{ currency: 'KWD', balance: 1000 }, 325], // 1.000 KWD = 3.25 USD
    [{ currency: 'KWD', balance: 1 }, 0], // 0.325
  ])('converts %j to %i cents, rounding half up', (balance, cents) => {
    expect(totalInUsdCents([balance], rates)).toBe(cents);
  });

  it('sums exactly and rounds once', () => {
    // 0.348 + 2.2 = 2.548 → 3; rounding each currency first would give 0 + 2.
    expect(totalInUsdCents([{ currency: 'INR', balance: 29 }, { currency: 'EUR', balance: 2 }], rates)).toBe(3);
    // 0.492 + 0.325 = 0.817 → 1, where rounding each first would give 0 + 0.
    expect(totalInUsdCents([{ currency: 'INR', balance: 41 }, { currency: 'KWD', balance: 1 }], rates)).toBe(1);
  });

  it('reads rates exactly, to 12 decimal places', () => {
    expect(totalInUsdCents([{ currency: 'XYZ', balance: 10 ** 12 }], { XYZ: '0.000000000001' })).toBe(1);
    expect(totalInUsdCents([{ currency: 'XYZ', balance: 100 }], { XYZ: '0.125' })).toBe(13); // 12.5 → 13
    expect(totalInUsdCents([{ currency: 'XYZ', balance: 100 }], { XYZ: '7' })).toBe(700);
  });

  it('skips zero balances, even without a rate, and throws on a balance without a rate', () => {
    expect(totalInUsdCents([], rates)).toBe(0);
    expect(totalInUsdCents([{ currency: 'XXX', balance: 0 }], rates)).toBe(0);
    expect(() => totalInUsdCents([{ currency: 'XXX', balance: 1 }], rates)).toThrow(/XXX/);
  });

  it('agrees with exact rational arithmetic for any balances (property)', () => {
    const currencies = ['USD', 'INR', 'EUR', 'JPY', 'KWD'] as const;
    fc.assert(
      fc.property(fc.array(fc.record({ currency: fc.constantFrom(...currencies), balance: fc.integer({ min: 0, max: 1e15 }) }), { maxLength: 5 }), (balances) => {
        // Reference: everything in units of 10^-7 cents as bigint (rates here have at most 4 decimals, exponents up to 3).
        let scaled = 0n;
        for (const { currency, balance } of balances) {
          const [whole, fraction = ''] = rates[currency].split('.');
          const rateE4 = BigInt(whole + fraction.padEnd(4, '0'));
          // balance × rate × 10^(2 - exponent) cents = balance × rateE4 × 10^(5 - exponent) × 10^-7 cents
          scaled += BigInt(balance) * rateE4 * 10n ** BigInt(5 - minorUnitExponent(currency));
        }
        const unit = 10n ** 7n;
        const expected = Number((scaled + unit / 2n) / unit);
        expect(totalInUsdCents(balances, rates)).toBe(expected);
      }),
      { numRuns: 300 },
    );
  });
});
