// Statement blocks (migration 0020): the bench's bulk seed builds them in SQL "as the job would have left them"; here
// the job rebuilds them from the same ledger and must write the same blocks, byte for byte, so the bench measures
// what a deployment reads. Then a statement over blocks, one over blocks with holes between them and one over the
// ledger alone answer the same.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AnalyticsService } from '../../src/analytics/analytics-service.ts';
import { resetRollups, rollUpAll } from '../../src/analytics/rollup-job.ts';
import { bookkeepingFor } from '../../src/db/bookkeeping.ts';
import type { Store } from '../../src/db/database.ts';
import { systemClock } from '../../src/shared/clock.ts';
import { seedAnalytics, seededEntries } from '../../bench/analytics.ts';
import { customerId } from '../../bench/seed.ts';
import { type TestDatabase, createTestDatabase, openTestStore, storeKinds } from '../support/stores.ts';

describe.each(storeKinds)('statement blocks [%s]', (kind) => {
  let database: TestDatabase;
  let store: Store;
  let seeded: Awaited<ReturnType<typeof seedAnalytics>>;
  beforeAll(async () => {
    database = await createTestDatabase(kind);
    seeded = await seedAnalytics({ ...database }, 3_000);
    store = (await openTestStore(database)).store;
  });
  afterAll(async () => {
    await store?.close();
    await database?.drop();
  });

  const blocks = async () =>
    (await store.db.selectFrom('wallet_statement_blocks').selectAll().orderBy('customer_id').orderBy('currency').orderBy('first_seq').execute()).map((b) => ({
      ...b,
      first_seq: Number(b.first_seq),
      last_seq: Number(b.last_seq),
      totals: (JSON.parse(b.totals) as string[][]).map((t) => JSON.stringify(t)).sort(),
    }));

  it('the bulk seed writes the blocks the rollup job writes, and statements read the same through them', async () => {
    const analytics = new AnalyticsService({ db: store.db, store: store.kind, clock: systemClock, currencies: ['USD', 'INR'], fxRatesToUsd: { USD: '1', INR: '0.012' }, forecastWindowDays: 30 });
    const from = new Date(seeded.nowMs - 366 * 86_400_000).toISOString();
    const to = new Date(seeded.nowMs + 60_000).toISOString();
    // A range that starts and ends inside blocks: the entries around them come from the ledger.
    const inner = [new Date(seeded.nowMs - 300 * 86_400_000).toISOString(), new Date(seeded.nowMs - 10 * 86_400_000).toISOString()] as const;
    const statements = async () => {
      const texts = [];
      for (let i = 0; i < seeded.customers; i++) {
        for (const [a, b] of [[from, to], inner]) {
          const s = await analytics.statementJson(seeded.ids.businessId, customerId(i), 'USD', a, b);
          if (!s.ok) throw new Error(s.message);
          texts.push(s.value.join(''));
        }
      }
      return texts;
    };
    const seededBlocks = await blocks();
    expect(seededBlocks).toHaveLength(seeded.customers * 10);
    const overBlocks = await statements();
    // The seed's formula, which the bench checks one statement against, is what it wrote (every field).
    for (let i = 0; i < seeded.customers; i++) expect(JSON.parse(overBlocks[2 * i]).entries).toEqual(seededEntries(i, seeded.nowMs));

    await store.db.deleteFrom('wallet_statement_blocks').execute();
    expect(await statements(), 'the ledger alone').toEqual(overBlocks);

    await resetRollups(store.db);
    await rollUpAll({ db: store.db, store: store.kind, bookkeeping: bookkeepingFor(store), clock: systemClock });
    expect(await blocks(), 'the job').toEqual(seededBlocks);
    expect(await statements()).toEqual(overBlocks);

    // Blocks with holes between them (the job never leaves them, but a read must not depend on it): the entries of
    // every missing block come from the ledger.
    await store.db.deleteFrom('wallet_statement_blocks').where('first_seq', 'in', [101, 301, 501, 701]).execute();
    expect(await blocks()).toHaveLength(seeded.customers * 6);
    expect(await statements(), 'blocks with holes').toEqual(overBlocks);
  }, 120_000);

  it('lists a statement of exactly the limit and refuses one entry more, naming the count (STATEMENT_TOO_LARGE)', async () => {
    const entriesMax = 250;
    const analytics = new AnalyticsService({ db: store.db, store: store.kind, clock: systemClock, currencies: ['USD'], fxRatesToUsd: { USD: '1' }, forecastWindowDays: 30, statementEntriesMax: entriesMax });
    const entries = seededEntries(0, seeded.nowMs);
    // from inclusive, to exclusive: entries 151..400 are 250 entries, over the blocks the test above left and the ledger.
    const [from, atLimit, overLimit] = [entries[150].created_at, entries[400].created_at, entries[401].created_at];
    const listed = await analytics.statementJson(seeded.ids.businessId, customerId(0), 'USD', from, atLimit);
    if (!listed.ok) throw new Error(listed.message);
    const statement = JSON.parse(listed.value.join(''));
    expect(statement.entry_count).toBe(entriesMax);
    expect(statement.entries).toEqual(entries.slice(150, 400));
    expect(statement.opening_balance).toBe(entries[149].after_balance);
    expect(statement.closing_balance).toBe(entries[399].after_balance);
    const refused = await analytics.statementJson(seeded.ids.businessId, customerId(0), 'USD', from, overLimit);
    expect(refused.ok).toBe(false);
    if (refused.ok) return;
    expect(refused.code).toBe('STATEMENT_TOO_LARGE');
    expect(refused.message).toBe('The statement has 251 entries; JSON and HTML list at most 250: ask for format=csv (streamed) or a shorter range');
  });
});
