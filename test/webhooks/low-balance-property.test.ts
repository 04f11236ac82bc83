// Property (fast-check, both stores): over random thresholds and concurrent groups of credits and debits, the
// wallet.low_balance events are exactly the entries that crossed below the threshold in force, once each.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeKinds } from '../support/stores.ts';
import { type TestApp, startTestApp } from '../support/test-app.ts';

type Step = { kind: 'threshold'; amount: number | null } | { kind: 'group'; writes: Array<{ entryType: 'credit' | 'debit'; amount: number }> };

const stepArbitrary: fc.Arbitrary<Step> = fc.oneof(
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('threshold' as const), amount: fc.option(fc.integer({ min: 0, max: 600 }), { nil: null }) }) },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('group' as const),
      writes: fc.array(fc.record({ entryType: fc.constantFrom('credit' as const, 'debit' as const), amount: fc.integer({ min: 1, max: 400 }) }), { minLength: 1, maxLength: 8 }),
    }),
  },
);

describe.each(storeKinds)('wallet.low_balance property [%s]', (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(kind);
  });
  afterAll(async () => t?.close());

  it('fires for exactly the crossings, under concurrency and threshold changes', async () => {
    let sequence = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(stepArbitrary, { minLength: 1, maxLength: 12 }), async (steps) => {
        sequence += 1;
        const customerId = (await t.request('POST', '/customers', { body: { email: `lb-${sequence}@example.com`, name: 'Property' } })).json().customer_id as string;
        const thresholdPath = `/customers/${customerId}/wallets/USD/low-balance-threshold`;
        // The threshold in force for the entries of each group, by the customer_seq range the group appended.
        const inForce: Array<{ fromSeq: number; threshold: number | null }> = [{ fromSeq: 1, threshold: null }];
        let appended = 0;
        for (const step of steps) {
          if (step.kind === 'threshold') {
            const response = step.amount === null ? await t.request('DELETE', thresholdPath) : await t.request('PUT', thresholdPath, { body: { amount: step.amount } });
            expect(response.statusCode).toBe(200);
            inForce.push({ fromSeq: appended + 1, threshold: step.amount });
            continue;
          }
          const responses = await Promise.all(
            step.writes.map((write) =>
              t.request('POST', `/customers/${customerId}/wallets/ledger-entries`, { body: { currency: 'USD', amount: write.amount, entry_type: write.entryType } }),
            ),
          );
          for (const response of responses) expect([200, 400]).toContain(response.statusCode);
          appended += responses.filter((response) => response.statusCode === 200).length;
        }
        await t.coffer.dispatcher.drain();
        const db = t.coffer.store.db;
        const entries = await db.selectFrom('ledger_entries').selectAll().where('customer_id', '=', customerId).orderBy('wallet_seq').execute();
        expect(entries).toHaveLength(appended);
        const thresholdAt = (customerSeq: number) => inForce.filter((change) => change.fromSeq <= customerSeq).at(-1)!.threshold;
        const expected = entries
          .filter((entry) => {
            const threshold = thresholdAt(entry.customer_seq);
            return threshold !== null && entry.before_balance >= threshold && entry.after_balance < threshold;
          })
          .map((entry) => ({ entry_id: entry.id, balance: entry.after_balance, threshold: thresholdAt(entry.customer_seq), wallet_seq: entry.wallet_seq }));
        const fired = await db.selectFrom('events').select('data').where('customer_id', '=', customerId).where('type', '=', 'wallet.low_balance').orderBy('seq').execute();
        expect(fired.map((row) => JSON.parse(row.data)).map(({ entry_id, balance, threshold, wallet_seq }) => ({ entry_id, balance, threshold, wallet_seq }))).toEqual(expected);
      }),
      { numRuns: 40 },
    );
  }, 120_000);
});
