// A model-based test (fast-check) of auto-recharge on both stores: random settings, debits (some in concurrent
// bursts, with the job runtime running meanwhile), credits, card switches between one that pays and one that
// declines, and clock moves. After each run: balance = Σ entries; no wallet ever had two processing attempts (none is
// left); each month's recharges stay within the cap; no two recharges start within the cooldown, nor a recharge within
// the backoff after a decline; every recharge started below the threshold; each succeeded recharge is one top-up
// and one credit, a failed one none; and max_declines failures in a row turn it off for good (no PUT follows).
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyStore } from '../../src/ops/verify.ts';
import { declineBackoffMs } from '../../src/recharges/recharge-limits.ts';
import { attachMethod } from '../billing/support.ts';
import { createCustomer } from '../support/fixtures.ts';
import { ManualClock } from '../support/manual-clock.ts';
import { storeKinds } from '../support/stores.ts';
import { type TestApp, startTestApp } from '../support/test-app.ts';
import { putRecharge, rechargeCounts, runDue } from './support.ts';

type Step =
  | { kind: 'debit'; amount: number }
  | { kind: 'burst'; count: number; amount: number }
  | { kind: 'credit'; amount: number }
  | { kind: 'card'; pays: boolean }
  | { kind: 'advance'; ms: number }
  | { kind: 'run' };

// Weighted so that wallets fall below their thresholds often, between clock moves around the cooldowns and backoffs.
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('debit' as const), amount: fc.integer({ min: 1, max: 2500 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('burst' as const), count: fc.integer({ min: 2, max: 8 }), amount: fc.integer({ min: 1, max: 800 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('credit' as const), amount: fc.integer({ min: 1, max: 3000 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('card' as const), pays: fc.boolean() }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.constantFrom(0, 30_000, 300_000, 600_000, 3_600_000, 2 * 3_600_000, 86_400_000, 20 * 86_400_000) }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('run' as const) }) },
);

const setting = fc.record({
  threshold_amount: fc.integer({ min: 500, max: 3000 }),
  amount: fc.integer({ min: 200, max: 2500 }),
  cooldown_seconds: fc.constantFrom(0, 600, 3600),
  capRecharges: fc.integer({ min: 1, max: 4 }),
  max_declines: fc.integer({ min: 1, max: 3 }),
  initial: fc.integer({ min: 0, max: 5000 }),
  pays: fc.boolean(),
});

describe.each(storeKinds)('auto-recharge, model-based [%s]', (kind) => {
  let t: TestApp;
  const clock = new ManualClock(new Date('2027-01-20T00:00:00.000Z'));
  beforeAll(async () => {
    t = await startTestApp(kind, {}, { clock });
  });
  afterAll(async () => t?.close());

  it('random debits, declines and clock moves keep every guardrail', async () => {
    // What the runs exercised: recharges that succeeded and failed, and settings that turned themselves off.
    const seen = { succeeded: 0, failed: 0, disabled: 0 };
    await fc.assert(
      fc.asyncProperty(setting, fc.array(step, { minLength: 4, maxLength: 16 }), async (config, steps) => {
        const customerId = (await createCustomer(t)).customer_id;
        await attachMethod(t, customerId, config.pays ? 'pm_card_succeeds' : 'pm_card_declines');
        if (config.initial > 0) await post(customerId, 'credit', config.initial);
        const cap = config.amount * config.capRecharges;
        await putRecharge(t, customerId, { threshold_amount: config.threshold_amount, amount: config.amount, cooldown_seconds: config.cooldown_seconds, monthly_cap_amount: cap, max_declines: config.max_declines });
        for (const s of steps) {
          if (s.kind === 'debit' || s.kind === 'credit') await post(customerId, s.kind, s.amount);
          else if (s.kind === 'burst') await Promise.all([...Array.from({ length: s.count }, () => post(customerId, 'debit', s.amount)), runDue(t)]);
          else if (s.kind === 'card') await attachMethod(t, customerId, s.pays ? 'pm_card_succeeds' : 'pm_card_declines', true);
          else if (s.kind === 'advance') clock.advance(s.ms);
          else await runDue(t);
          expect((await rechargeCounts(t, customerId)).attempts.filter((a) => a.status === 'processing').length).toBeLessThanOrEqual(1);
        }
        await runDue(t);
        const outcome = await checkInvariants(customerId, { ...config, cap });
        seen.succeeded += outcome.succeeded;
        seen.failed += outcome.failed;
        seen.disabled += outcome.disabled ? 1 : 0;
      }),
      { numRuns: 20, seed: 20270120 },
    );
    expect(seen.succeeded).toBeGreaterThan(0);
    expect(seen.failed).toBeGreaterThan(0);
    expect(seen.disabled).toBeGreaterThan(0);
    expect((await verifyStore(t.coffer.store)).findings).toEqual([]);
  }, 240_000);

  async function post(customerId: string, entryType: 'credit' | 'debit', amount: number) {
    const response = await t.request('POST', `/customers/${customerId}/wallets/ledger-entries`, { body: { amount, currency: 'USD', entry_type: entryType } });
    expect([200, 400], response.body).toContain(response.statusCode);
  }

  async function checkInvariants(customerId: string, config: { threshold_amount: number; amount: number; cooldown_seconds: number; cap: number; max_declines: number }) {
    const db = t.coffer.store.db;
    const wallet = await db.selectFrom('wallets').selectAll().where('customer_id', '=', customerId).where('currency', '=', 'USD').executeTakeFirstOrThrow();
    const entries = await db.selectFrom('ledger_entries').selectAll().where('customer_id', '=', customerId).where('currency', '=', 'USD').execute();
    expect(Number(wallet.balance)).toBe(entries.reduce((sum, e) => sum + (e.is_credit === 1 ? Number(e.amount) : -Number(e.amount)), 0));

    const counted = await rechargeCounts(t, customerId);
    const { topUps, credits } = counted;
    // Start order. The test clock stands still within a step, so attempts can share a created_at (ids then sort at
    // random); at one instant only a success can precede another attempt (a failure backs off), so it sorts first.
    const attempts = [...counted.attempts].sort((a, b) => a.created_at.localeCompare(b.created_at) || (a.status === 'succeeded' ? 0 : 1) - (b.status === 'succeeded' ? 0 : 1));
    expect(attempts.filter((a) => a.status === 'processing')).toEqual([]);
    expect(topUps.length).toBe(attempts.length);
    const byMonth = new Map<string, number>();
    let declinesInRow = 0;
    for (const [i, attempt] of attempts.entries()) {
      expect(Number(attempt.amount)).toBe(config.amount);
      expect(Number(attempt.available_balance_before)).toBeLessThan(config.threshold_amount);
      const payment = topUps.find((p) => p.id === attempt.payment_id);
      expect(payment?.status).toBe(attempt.status);
      const paid = credits.filter((e) => e.reference_object_id === attempt.payment_id);
      expect(paid.map((e) => Number(e.amount))).toEqual(attempt.status === 'succeeded' ? [config.amount] : []);
      if (attempt.status === 'succeeded') {
        const month = attempt.created_at.slice(0, 7);
        byMonth.set(month, (byMonth.get(month) ?? 0) + Number(attempt.amount));
      }
      if (i > 0) {
        const gapMs = Date.parse(attempt.created_at) - Date.parse(attempts[i - 1].created_at);
        expect(gapMs).toBeGreaterThanOrEqual(config.cooldown_seconds * 1000);
        // After a failure the next start waits the backoff (counted from the failure, which is at or after its start).
        if (declinesInRow > 0) expect(gapMs).toBeGreaterThanOrEqual(declineBackoffMs(declinesInRow));
      }
      // Disabled after max_declines in a row: nothing may follow.
      expect(declinesInRow).toBeLessThan(config.max_declines);
      declinesInRow = attempt.status === 'failed' ? declinesInRow + 1 : 0;
    }
    for (const total of byMonth.values()) expect(total).toBeLessThanOrEqual(config.cap);
    expect(credits.length).toBe(attempts.filter((a) => a.status === 'succeeded').length);
    const row = await db.selectFrom('auto_recharges').selectAll().where('customer_id', '=', customerId).executeTakeFirstOrThrow();
    expect(Number(row.enabled)).toBe(declinesInRow >= config.max_declines ? 0 : 1);
    expect(Number(row.declines)).toBe(declinesInRow);
    return { succeeded: attempts.filter((a) => a.status === 'succeeded').length, failed: attempts.filter((a) => a.status === 'failed').length, disabled: Number(row.enabled) === 0 };
  }
});
