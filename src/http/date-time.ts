// The one date-time format of every schema: RFC 3339 timestamps that Coffer can hold, compare and serve exactly.
//
// ajv-formats' "date-time" also accepts values JavaScript's Date cannot hold (a leap second, 23:59:60) or holds
// differently (sub-millisecond digits are dropped; years past 9999 print as "+010000-…", which sorts wrongly against
// the stored text). This format accepts only timestamps whose instant survives `new Date(text).toISOString()`.

const dateTimePattern = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:[Zz]|([+-])(\d{2}):(\d{2}))$/;

/** The earliest and latest instants whose ISO form has a four-digit year (0000-01-01 … 9999-12-31, UTC). */
const instantMinMs = -62167219200000;
const instantMaxMs = 253402300799999;

const daysInMonth = (year: number, month: number) =>
  month === 2 ? (year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31;

/** Why a date-time cannot be held exactly, or null when it can. */
export function dateTimeProblem(text: string): string | null {
  const match = dateTimePattern.exec(text);
  if (!match) return 'is not an RFC 3339 date-time with a time zone (2025-03-01T10:00:00Z)';
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number);
  const fraction = match[7] ?? '';
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return 'is not a calendar date';
  if (hour > 23 || minute > 59) return 'is not a time of day';
  if (second > 59) return 'is a leap second (:60), which Coffer cannot hold';
  if (/[1-9]/.test(fraction.slice(3))) return 'is more precise than a millisecond, which Coffer cannot hold';
  if (match[8] !== undefined && (Number(match[9]) > 23 || Number(match[10]) > 59)) return 'has an invalid time-zone offset';
  const parsedMs = Date.parse(text);
  if (!Number.isFinite(parsedMs) || parsedMs < instantMinMs || parsedMs > instantMaxMs) return 'is outside the years 0000 to 9999 (UTC)';
  // JavaScript's own parser must agree with the fields above, since services convert with new Date(text).
  const offsetMinutes = match[8] === undefined ? 0 : (match[8] === '-' ? -1 : 1) * (Number(match[9]) * 60 + Number(match[10]));
  const fields = new Date(0);
  fields.setUTCFullYear(year, month - 1, day);
  fields.setUTCHours(hour, minute, second, Number(fraction.slice(0, 3).padEnd(3, '0')));
  if (fields.getTime() - offsetMinutes * 60_000 !== parsedMs) return 'is not a date-time JavaScript reads the same way';
  return null;
}

export const isStorableDateTime = (text: string): boolean => dateTimeProblem(text) === null;

/** The stored (UTC, millisecond) form of a date-time that passed the format: the same instant, spelled as Coffer stores it. */
export function toStoredDateTime(text: string): string {
  return new Date(text).toISOString();
}

/** Ajv format definition, registered under "date-time" in every validator Coffer builds. */
export const dateTimeFormat = { type: 'string', validate: isStorableDateTime } as const;
