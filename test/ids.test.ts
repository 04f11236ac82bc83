// Identifiers: Dodo's shape (prefix + 21 base62 characters), unique, and ordered by creation time.
import { describe, expect, it, vi } from 'vitest';
import { newId, randomBase62 } from '../src/shared/ids.ts';

describe('ids', () => {
  it('are a prefix and 21 base62 characters', () => {
    for (let i = 0; i < 1000; i++) expect(newId('cus')).toMatch(/^cus_[0-9A-Za-z]{21}$/);
  });

  it('do not repeat across 100 000 ids made in the same milliseconds', () => {
    const ids = new Set(Array.from({ length: 100_000 }, () => newId('cwt')));
    expect(ids.size).toBe(100_000);
  });

  it('sort (byte order) by creation time, so primary-key inserts append', () => {
    vi.useFakeTimers();
    try {
      const made: string[] = [];
      for (const time of [1_700_000_000_000, 1_700_000_000_001, 1_700_000_061_000, 1_800_000_000_000, 4_000_000_000_000]) {
        vi.setSystemTime(time);
        made.push(newId('cwt'));
      }
      expect([...made].sort()).toEqual(made);
    } finally {
      vi.useRealTimers();
    }
  });

  it('draw random characters evenly from the whole alphabet', () => {
    const counts = new Map<string, number>();
    for (const character of randomBase62(62_000)) counts.set(character, (counts.get(character) ?? 0) + 1);
    expect(counts.size).toBe(62);
    for (const count of counts.values()) expect(count).toBeGreaterThan(800); // expected 1000 each
  });
});
