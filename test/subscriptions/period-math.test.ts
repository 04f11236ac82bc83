// The period arithmetic, pure: fast-check properties (anchored, never chained; strictly increasing; the day of month
// is the anchor's or the month's last; a time zone's wall-clock time kept across daylight saving) and fixed cases.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { billingIntervals, daysInMonth, firstPeriodAtOrAfter, isTimeZone, periodStart } from '../../src/subscriptions/period-math.ts';

const zones = ['UTC', 'America/New_York', 'Europe/Berlin', 'Asia/Kolkata', 'Australia/Lord_Howe', 'Pacific/Auckland'];
const wallOf = (date: Date, timeZone: string) =>
  Object.fromEntries(
    new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric' })
      .formatToParts(date)
      .filter((p) => p.type !== 'literal')
      .map((p) => [p.type, Number(p.value)]),
  );

const anchorArb = fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2080-01-01T00:00:00Z'), noInvalidDate: true });

describe('period arithmetic', () => {
  it('monthly periods keep the anchor day, or the month\'s last day when shorter, and the wall-clock time (UTC and zones)', () => {
    fc.assert(
      fc.property(anchorArb, fc.integer({ min: 1, max: 12 }), fc.integer({ min: 0, max: 240 }), fc.constantFrom(...zones), (anchor, count, index, zone) => {
        const start = periodStart(anchor, 'month', count, index, zone);
        const a = wallOf(anchor, zone);
        const s = wallOf(start, zone);
        const months = (s.year - a.year) * 12 + (s.month - a.month);
        expect(months).toBe(index * count);
        expect(s.day).toBe(Math.min(a.day, daysInMonth(s.year, s.month)));
        // The wall-clock time is kept, except inside a daylight-saving gap (then an hour or less later).
        const drift = s.hour * 60 + s.minute - (a.hour * 60 + a.minute);
        expect(drift === 0 || (drift > 0 && drift <= 60)).toBe(true);
      }),
      { numRuns: 400 },
    );
  });

  it('period starts strictly increase and are computed from the anchor, never chained', () => {
    fc.assert(
      fc.property(anchorArb, fc.constantFrom(...billingIntervals), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 0, max: 60 }), fc.constantFrom(...zones), (anchor, interval, count, index, zone) => {
        const here = periodStart(anchor, interval, count, index, zone);
        const next = periodStart(anchor, interval, count, index + 1, zone);
        expect(next.getTime()).toBeGreaterThan(here.getTime());
        expect(periodStart(anchor, interval, count, 0, zone).getTime()).toBe(anchor.getTime());
        // Two periods of count c are one period of count 2c (from the anchor), whatever the month lengths.
        expect(periodStart(anchor, interval, count, 2 * index, zone).getTime()).toBe(periodStart(anchor, interval, 2 * count, index, zone).getTime());
        const first = firstPeriodAtOrAfter(anchor, interval, count, 0, here, zone);
        expect(first).toBeLessThanOrEqual(index);
        expect(periodStart(anchor, interval, count, first, zone).getTime()).toBe(here.getTime());
      }),
      { numRuns: 400 },
    );
  });

  it('daily and weekly periods are whole calendar days in the zone', () => {
    fc.assert(
      fc.property(anchorArb, fc.constantFrom('day' as const, 'week' as const), fc.integer({ min: 0, max: 400 }), fc.constantFrom(...zones), (anchor, interval, index, zone) => {
        const start = periodStart(anchor, interval, 1, index, zone);
        const a = wallOf(anchor, zone);
        const s = wallOf(start, zone);
        const days = Math.round((Date.UTC(s.year, s.month - 1, s.day) - Date.UTC(a.year, a.month - 1, a.day)) / 86_400_000);
        expect(days).toBe(index * (interval === 'week' ? 7 : 1));
      }),
      { numRuns: 300 },
    );
  });

  it('31 January → 28/29 February → 31 March; 29 February yearly → 28 February, and back on leap years', () => {
    const jan31 = new Date('2027-01-31T10:00:00Z');
    expect([0, 1, 2, 3].map((i) => periodStart(jan31, 'month', 1, i, 'UTC').toISOString().slice(0, 10))).toEqual(['2027-01-31', '2027-02-28', '2027-03-31', '2027-04-30']);
    const leap = new Date('2028-01-31T10:00:00Z');
    expect(periodStart(leap, 'month', 1, 1, 'UTC').toISOString()).toBe('2028-02-29T10:00:00.000Z');
    const feb29 = new Date('2028-02-29T00:00:00Z');
    expect([1, 4].map((i) => periodStart(feb29, 'year', 1, i, 'UTC').toISOString().slice(0, 10))).toEqual(['2029-02-28', '2032-02-29']);
    // 09:00 in New York stays 09:00 across the March change (14:00Z in winter, 13:00Z in summer).
    const ny = new Date('2027-02-07T14:00:00Z');
    expect(periodStart(ny, 'month', 1, 1, 'America/New_York').toISOString()).toBe('2027-03-07T14:00:00.000Z');
    expect(periodStart(ny, 'month', 1, 2, 'America/New_York').toISOString()).toBe('2027-04-07T13:00:00.000Z');
    // Midnight on the 31st in Kolkata is the 30th in UTC: the month is counted in the zone.
    const kolkata = new Date('2027-01-30T18:30:00Z');
    expect(periodStart(kolkata, 'month', 1, 1, 'Asia/Kolkata').toISOString()).toBe('2027-02-27T18:30:00.000Z');
    expect(isTimeZone('Europe/Berlin')).toBe(true);
    expect(isTimeZone('Mars/Olympus')).toBe(false);
    expect(() => periodStart(jan31, 'month', 0, 1, 'UTC')).toThrow(RangeError);
  });
});
