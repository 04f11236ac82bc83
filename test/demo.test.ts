// `coffer demo` fills a fresh store through the API with months of activity that `coffer verify` passes, deterministically per seed.
import { describe, expect, it, vi } from 'vitest';
import { hashApiKey } from '../src/businesses/business-service.ts';
import { loadConfig } from '../src/config/config.ts';
import { openStore } from '../src/db/database.ts';
import { planDemo } from '../src/ops/demo-plan.ts';
import { runCoffer } from './support/ops.ts';
import { createTestDatabase, storeKinds } from './support/stores.ts';

vi.setConfig({ testTimeout: 240_000 });

const dayMs = 86_400_000;

describe('demo plan', () => {
  const options = { customers: 50, months: 4, seed: 7, endMs: Date.parse('2026-06-15T12:00:00.000Z'), currencies: ['USD', 'INR'] };

  it('is the same story for the same seed and another for another seed', () => {
    expect(planDemo(options)).toEqual(planDemo(options));
    expect(planDemo({ ...options, seed: 8 }).events).not.toEqual(planDemo(options).events);
  });

  it('never overdraws a wallet, keeps every event inside the months, and uses both currencies', () => {
    const plan = planDemo(options);
    expect(plan.startMs).toBe(Date.parse('2026-02-15T12:00:00.000Z'));
    const balances = new Map<string, number>();
    const kinds = new Set<string>();
    for (const event of plan.events) {
      expect(event.atMs).toBeGreaterThanOrEqual(plan.startMs);
      expect(event.atMs).toBeLessThan(plan.endMs);
      kinds.add(event.kind);
      if (event.kind === 'join') continue;
      const wallet = `${event.customer}/${event.currency}`;
      const balance = (balances.get(wallet) ?? 0) + (event.entryType === 'credit' ? event.amount : -event.amount);
      expect(balance, `${wallet} after ${event.key}`).toBeGreaterThanOrEqual(0);
      balances.set(wallet, balance);
    }
    expect([...kinds].sort()).toEqual(['deposit', 'join', 'purchase', 'refund', 'welcome_bonus']);
    expect(new Set(plan.events.flatMap((e) => (e.kind === 'join' ? [] : [e.currency])))).toEqual(new Set(['USD', 'INR']));
    expect(plan.events.filter((e) => e.kind === 'join')).toHaveLength(50);
  });
});

describe.each(storeKinds)('coffer demo [%s]', (kind) => {
  it('fills a fresh store through the API; coffer verify passes; a second run is refused', async () => {
    const database = await createTestDatabase(kind);
    try {
      const startedMs = Date.now();
      const demo = await runCoffer(['demo', '--customers', '60', '--months', '3', '--seed', '11'], database.env);
      expect(demo.stderr).toBe('');
      expect(demo.code).toBe(0);
      expect(demo.stdout).toMatch(/^demo: business Demo Coffee Roasters \(bus_\w+\), 60 customers, \d+ requests$/m);
      const apiKey = /^API key \(read-write\): (ck_rw_\w+)$/m.exec(demo.stdout)?.[1];
      expect(apiKey).toBeDefined();

      const verify = await runCoffer(['verify'], database.env);
      expect(verify.stdout).toContain('verify: OK, no findings');
      expect(verify.code).toBe(0);

      const store = await openStore(loadConfig(database.env));
      try {
        const key = await store.db.selectFrom('api_keys').select(['business_id', 'access']).where('key_hash', '=', hashApiKey(apiKey!)).executeTakeFirst();
        expect(key?.access).toBe('read_write');
        const customers = await store.db.selectFrom('customers').select(['created_at', 'business_id']).execute();
        expect(customers).toHaveLength(60);
        expect(new Set(customers.map((c) => c.business_id))).toEqual(new Set([key!.business_id]));
        const entries = await store.db.selectFrom('ledger_entries').select(['created_at', 'currency', 'is_credit']).orderBy('created_at').execute();
        const summary = /^entries: welcome_bonus (\d+), deposit (\d+), purchase (\d+), refund (\d+)$/m.exec(demo.stdout)!;
        expect(entries).toHaveLength(summary.slice(1).reduce((sum, n) => sum + Number(n), 0));
        expect(Number(summary[1])).toBe(60);
        expect(Number(summary[4])).toBeGreaterThan(0);
        expect(new Set(entries.map((e) => e.currency))).toEqual(new Set(['USD', 'INR']));
        // Entries span the three months before now, none in the future, spread over at least three calendar months.
        const first = Date.parse(entries[0].created_at);
        const last = Date.parse(entries[entries.length - 1].created_at);
        expect(first).toBeGreaterThanOrEqual(startedMs - 93 * dayMs);
        expect(first).toBeLessThan(startedMs - 60 * dayMs);
        expect(last).toBeLessThanOrEqual(Date.now());
        expect(last).toBeGreaterThan(startedMs - 20 * dayMs);
        expect(new Set(entries.map((e) => e.created_at.slice(0, 7))).size).toBeGreaterThanOrEqual(3);
        expect(new Set(entries.map((e) => e.created_at)).size).toBeGreaterThan(entries.length * 0.9);
        for (const customer of customers) expect(Date.parse(customer.created_at)).toBeGreaterThanOrEqual(startedMs - 93 * dayMs);
      } finally {
        await store.close();
      }

      const again = await runCoffer(['demo', '--customers', '5'], database.env);
      expect(again.code).toBe(2);
      expect(again.stderr).toContain('the store already has customers; coffer demo fills a fresh store (pass --force');
      const bad = await runCoffer(['demo', '--customers', '0'], database.env);
      expect(bad.code).not.toBe(0);
      expect(bad.stderr).toContain("option '--customers <n>' argument '0' is invalid");
    } finally {
      await database.drop();
    }
  });
});
