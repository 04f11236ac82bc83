// The clock is injected so that tests can control time; production uses the system clock.
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** ISO-8601 with milliseconds and a Z suffix: sorts lexicographically in time order. */
export function isoTimestamp(date: Date): string {
  return date.toISOString();
}
