// A clock that moves only when the test says so: due times, leases and backoff are tested without waiting.
import type { Clock } from '../../src/shared/clock.ts';

export class ManualClock implements Clock {
  private current: number;

  constructor(start: Date) {
    this.current = start.getTime();
  }

  now(): Date {
    return new Date(this.current);
  }

  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new Error(`ManualClock.advance needs a non-negative duration, got ${ms}`);
    this.current += ms;
  }

  set(date: Date): void {
    this.current = date.getTime();
  }
}
