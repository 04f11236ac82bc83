// Local days in a business's time zone: which day an instant falls on, when a day starts, week and month starts.
// Days are 'YYYY-MM-DD' strings (they sort in time order); instants are Coffer's ISO form (…T…:…:….sssZ).

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' });
    formatters.set(zone, f);
  }
  return f;
}

/** The local day (YYYY-MM-DD) of an instant in `zone`. */
export function localDay(instantMs: number, zone: string): string {
  const parts = formatter(zone).formatToParts(new Date(instantMs));
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('year').padStart(4, '0')}-${get('month')}-${get('day')}`;
}

/** The first millisecond whose local day is `day` (local midnight, or the first instant after a skipped one). */
export function dayStartMs(day: string, zone: string): number {
  const noonUtc = Date.parse(`${day}T12:00:00.000Z`);
  // Every offset in use is within ±14 h, so local midnight of `day` lies within 27 h before noon UTC.
  let low = noonUtc - 27 * 3_600_000;
  let high = noonUtc + 14 * 3_600_000;
  while (low < high) {
    const middle = Math.floor((low + high) / 2);
    if (localDay(middle, zone) >= day) high = middle;
    else low = middle + 1;
  }
  return low;
}

export function addDays(day: string, days: number): string {
  return new Date(Date.parse(`${day}T00:00:00.000Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

export type Period = 'day' | 'week' | 'month';

/** The first day of the period that contains `day`: itself, the ISO week's Monday, or the month's 1st. */
export function periodStart(day: string, period: Period): string {
  if (period === 'day') return day;
  if (period === 'month') return `${day.slice(0, 7)}-01`;
  const weekday = new Date(`${day}T00:00:00.000Z`).getUTCDay(); // 0 Sunday
  return addDays(day, -((weekday + 6) % 7));
}

export const dayPattern = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;

/** Whether `text` is a calendar day YYYY-MM-DD. */
export function isCalendarDay(text: string): boolean {
  return dayPattern.test(text) && new Date(`${text}T00:00:00.000Z`).toISOString().slice(0, 10) === text;
}

/**
 * Buckets instants of one wallet in time order into local days cheaply: it formats only when an instant leaves the
 * current day's [start, next start) range.
 */
export class DayBucketer {
  private day = '';
  private startMs = Number.POSITIVE_INFINITY;
  private endMs = Number.NEGATIVE_INFINITY;
  constructor(private readonly zone: string) {}

  dayOf(instantMs: number): string {
    if (instantMs < this.startMs || instantMs >= this.endMs) {
      this.day = localDay(instantMs, this.zone);
      this.startMs = dayStartMs(this.day, this.zone);
      this.endMs = dayStartMs(addDays(this.day, 1), this.zone);
    }
    return this.day;
  }
}
