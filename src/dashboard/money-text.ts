// Money as people read and type it: formatting minor units with Intl.NumberFormat, parsing "12.34" exactly (no floats).
import { entryAmountMax, minorUnitExponent } from '../shared/money.ts';
import { type Result, err, ok } from '../shared/result.ts';

/** The locale each currency is shown in (`₹15,000.00` groups as India does); en-US for the rest. */
const localeOfCurrency: Record<string, string> = { USD: 'en-US', INR: 'en-IN' };

const formatters = new Map<string, Intl.NumberFormat>();

function formatterFor(currency: string): Intl.NumberFormat {
  let formatter = formatters.get(currency);
  if (!formatter) {
    const digits = minorUnitExponent(currency);
    formatter = new Intl.NumberFormat(localeOfCurrency[currency] ?? 'en-US', {
      style: 'currency',
      currency,
      minimumFractionDigits: digits,
      maximumFractionDigits: digits,
    });
    formatters.set(currency, formatter);
  }
  return formatter;
}

/**
 * 1234 USD → "$12.34", 1500000 INR → "₹15,000.00". The decimal string is built from the integer (no division by a
 * power of ten in floating point) and handed to Intl.NumberFormat as a string, which formats it exactly.
 */
export function formatMoney(amountMinor: number, currency: string): string {
  const digits = minorUnitExponent(currency);
  const negative = amountMinor < 0;
  const text = String(Math.abs(amountMinor)).padStart(digits + 1, '0');
  const decimal = digits === 0 ? text : `${text.slice(0, -digits)}.${text.slice(-digits)}`;
  return formatterFor(currency).format((negative ? `-${decimal}` : decimal) as unknown as number);
}

export type MoneyInputError = 'AMOUNT_INVALID';

/** Longest text accepted in an amount field, before any parsing. */
export const amountTextLengthMax = 32;

/**
 * "12.34" (or "12", "1,234.50", "$12.34") in `currency` → 1234 minor units, exactly: the digits are joined as text and
 * read as an integer. Refuses more decimals than the currency has, zero, negatives and amounts above one entry's limit.
 */
export function parseMoney(text: string, currency: string): Result<number, MoneyInputError> {
  const digits = minorUnitExponent(currency);
  const example = digits === 0 ? '1200' : `12.${'3'.repeat(digits)}`;
  const refuse = (why: string) => err('AMOUNT_INVALID' as const, `${why}; type an amount like ${example}`);
  if (text.length > amountTextLengthMax) return refuse('The amount is too long');
  const trimmed = text.trim().replace(/^[$₹]\s*/, '');
  if (trimmed === '') return refuse('Enter an amount');
  // Group separators only where they belong (1,234,567 or, as India groups, 12,34,567), never after the point: "12,34"
  // (a decimal comma elsewhere) is refused rather than read as 1234.
  const match = /^(\d{1,3}(?:,\d{3})+|\d{1,2}(?:,\d{2})+,\d{3}|\d+)(?:\.(\d+))?$/.exec(trimmed);
  if (!match) return refuse(`"${trimmed}" is not an amount`);
  const whole = match[1].replaceAll(',', '');
  const fraction = match[2] ?? '';
  if (fraction.length > digits) {
    return refuse(digits === 0 ? `${currency} has no minor unit` : `${currency} has ${digits} decimal places at most`);
  }
  const minor = BigInt(whole + fraction.padEnd(digits, '0'));
  if (minor === 0n) return refuse('The amount must be more than zero');
  if (minor > BigInt(entryAmountMax)) return refuse(`The amount is above the largest one entry may carry (${formatMoney(entryAmountMax, currency)})`);
  return ok(Number(minor));
}
