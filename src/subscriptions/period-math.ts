// Calendar-correct billing periods, pure: period n starts at the anchor plus n × interval_count intervals, counted on
// the wall clock of an IANA time zone and always from the anchor (never chained), so 31 January → 28/29 February →
// 31 March stays anchored, and a local 09:00 stays 09:00 across daylight-saving changes.

export const billingIntervals = ['day', 'week', 'month', 'year'] as const;
export type BillingInterval = (typeof billingIntervals)[number];

/** Wall-clock fields of an instant in a time zone (month 1–12). */
interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  millisecond: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterOf(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** Whether `timeZone` is an IANA zone name this runtime knows. */
export function isTimeZone(timeZone: string): boolean {
  try {
    formatterOf(timeZone);
    return true;
  } catch {
    return false;
  }
}

function wallClockOf(instantMs: number, timeZone: string): WallClock {
  const parts: Record<string, number> = {};
  for (const part of formatterOf(timeZone).formatToParts(new Date(instantMs))) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  // Years before 1 AD and "24" hours never occur for billing dates; Intl gives era-less years in this range.
  return { year: parts.year, month: parts.month, day: parts.day, hour: parts.hour % 24, minute: parts.minute, second: parts.second, millisecond: ((instantMs % 1000) + 1000) % 1000 };
}

const wallAsUtcMs = (w: WallClock) => Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second, w.millisecond);

/**
 * The instant whose wall clock in `timeZone` reads `wall`. A wall time skipped by a daylight-saving jump maps to the
 * instant just after the gap (the offset before the jump applied); a repeated one to its first occurrence.
 */
function instantOf(wall: WallClock, timeZone: string): number {
  const target = wallAsUtcMs(wall);
  let guess = target;
  for (let i = 0; i < 3; i++) {
    const offset = wallAsUtcMs(wallClockOf(guess, timeZone)) - guess;
    const next = target - offset;
    if (next === guess) break;
    guess = next;
  }
  // Of two candidates (a repeated hour), prefer the earlier one that still reads the same wall clock.
  const earlier = guess - 3_600_000;
  if (wallAsUtcMs(wallClockOf(earlier, timeZone)) === target) return earlier;
  return guess;
}

export const daysInMonth = (year: number, month: number) => new Date(Date.UTC(year, month, 0)).getUTCDate();

/** Periods one computation may step at most (a daily subscription for ~270 years): a bound on every loop. */
export const periodIndexMax = 100_000;

/** The start of period `index` (0 is the anchor itself). */
export function periodStart(anchor: Date, interval: BillingInterval, intervalCount: number, index: number, timeZone: string): Date {
  if (!Number.isSafeInteger(index) || index < 0 || index > periodIndexMax) throw new RangeError(`period index must be 0 to ${periodIndexMax}, got ${index}`);
  if (!Number.isSafeInteger(intervalCount) || intervalCount < 1) throw new RangeError(`interval count must be a positive integer, got ${intervalCount}`);
  if (index === 0) return new Date(anchor.getTime());
  const wall = wallClockOf(anchor.getTime(), timeZone);
  let moved: WallClock;
  if (interval === 'month' || interval === 'year') {
    const months = wall.month - 1 + index * intervalCount * (interval === 'year' ? 12 : 1);
    const year = wall.year + Math.floor(months / 12);
    const month = (months % 12) + 1;
    moved = { ...wall, year, month, day: Math.min(wall.day, daysInMonth(year, month)) };
  } else {
    const days = index * intervalCount * (interval === 'week' ? 7 : 1);
    const civil = new Date(Date.UTC(wall.year, wall.month - 1, wall.day + days));
    moved = { ...wall, year: civil.getUTCFullYear(), month: civil.getUTCMonth() + 1, day: civil.getUTCDate() };
  }
  return new Date(instantOf(moved, timeZone));
}

/** The first period index from `fromIndex` on whose start is at or after `at` (the periods skipped by a pause). */
export function firstPeriodAtOrAfter(anchor: Date, interval: BillingInterval, intervalCount: number, fromIndex: number, at: Date, timeZone: string): number {
  for (let index = fromIndex; index <= periodIndexMax; index++) {
    if (periodStart(anchor, interval, intervalCount, index, timeZone).getTime() >= at.getTime()) return index;
  }
  throw new RangeError(`no period start at or after ${at.toISOString()} within ${periodIndexMax} periods`);
}
