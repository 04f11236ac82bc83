// Every analytics figure against a brute-force recomputation from the raw entries, on both stores: random credits
// (paid and promotional, some expiring), debits, refund- and dispute-typed entries, in both currencies, at instants
// that fall on and around local midnights of a non-UTC business zone, with the rollups at a random lag.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFacts, readSnapshot } from '../../src/analytics/fact-reads.ts';
import { rollUpRound } from '../../src/analytics/rollup-job.ts';
import { bookkeepingFor } from '../../src/db/bookkeeping.ts';
import type { EventType } from '../../src/ledger/commands.ts';
import { ManualClock } from '../support/manual-clock.ts';
import { storeKinds } from '../support/stores.ts';
import { type TestApp, startTestApp } from '../support/test-app.ts';
import { balanceAt, bruteActivity, bruteBreakage, bruteLiability, bruteTop, dayIn, rawEntries } from './brute-force.ts';

const zones = ['America/New_York', 'Asia/Kolkata', 'Australia/Lord_Howe', 'UTC'] as const;
const currencies = ['USD', 'INR'] as const;

type Step =
  | { kind: 'credit'; customer: number; currency: number; amount: number; promotional: boolean; expiresInMs: number | null; eventType: EventType }
  | { kind: 'debit'; customer: number; currency: number; amount: number; eventType: EventType }
  | { kind: 'advance'; ms: number }
  | { kind: 'to_midnight'; offsetMs: number }
  | { kind: 'roll_up'; wallets: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('credit' as const), customer: fc.nat(1), currency: fc.nat(1), amount: fc.integer({ min: 1, max: 5000 }), promotional: fc.boolean(), expiresInMs: fc.option(fc.integer({ min: 1, max: 3 * 86_400_000 }), { freq: 2 }), eventType: fc.constantFrom<EventType>('merchant_adjustment', 'payment', 'refund_reversal', 'dispute_reversal') }) },
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('debit' as const), customer: fc.nat(1), currency: fc.nat(1), amount: fc.integer({ min: 1, max: 1200 }), eventType: fc.constantFrom<EventType>('merchant_adjustment', 'payment', 'refund', 'dispute', 'payment_reversal') }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 7_200_000 }), fc.integer({ min: 1, max: 4 * 86_400_000 })) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('to_midnight' as const), offsetMs: fc.constantFrom(-1, 0, 1) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('roll_up' as const), wallets: fc.integer({ min: 1, max: 3 }) }) },
);

/** The next local midnight in `zone` after `nowMs`, + offsetMs (searched by the minute with Intl, not zone-days.ts). */
function nextMidnight(nowMs: number, zone: string): number {
  const today = dayIn(new Date(nowMs).toISOString(), zone);
  let t = Math.floor(nowMs / 60_000) * 60_000 + 60_000;
  while (dayIn(new Date(t).toISOString(), zone) === today) t += 60_000;
  let low = t - 60_000;
  while (t - low > 1) {
    const middle = Math.floor((low + t) / 2);
    if (dayIn(new Date(middle).toISOString(), zone) === today) low = middle;
    else t = middle;
  }
  return t;
}

const sorted = <T>(rows: T[]) => [...rows].map((r) => JSON.stringify(r)).sort();

describe.each(storeKinds)('analytics figures equal a brute-force recomputation [%s]', (kind) => {
  let t: TestApp;
  const clock = new ManualClock(new Date('2025-03-07T20:00:00.000Z'));
  beforeAll(async () => {
    t = await startTestApp(kind, {}, { clock });
  });
  afterAll(() => t?.close());

  it('as-of, statements, trends and every report, at any rollup lag', async () => {
    const analytics = t.coffer.analytics;
    const db = t.coffer.store.db;
    const rollupBase = { db, store: t.coffer.store.kind, bookkeeping: bookkeepingFor(t.coffer.store), clock };
    // What the random data held across runs: a property over data without these would prove nothing about them.
    const seen = { expiration: 0, promotional: 0, refund: 0, midnight: 0, blocks: 0 };
    await fc.assert(
      // Statement blocks of a few entries, so statements mix blocks with the ledger's entries around them.
      fc.asyncProperty(fc.constantFrom(...zones), fc.array(step, { minLength: 5, maxLength: 40 }), fc.constantFrom(2, 3, 5), async (zone, steps, blockEntries) => {
        const rollup = { ...rollupBase, blockEntries };
        const business = await t.addBusiness();
        const businessId = business.businessId;
        expect((await analytics.setTimeZone(businessId, zone)).ok).toBe(true);
        const customerIds: string[] = [];
        for (let i = 0; i < 3; i++) {
          const response = await t.request('POST', '/customers', { key: business.apiKey, body: { email: `p${i}@example.com`, name: `P ${i}` } });
          customerIds.push(response.json().customer_id);
        }
        const startMs = clock.now().getTime();
        for (const s of steps) {
          if (s.kind === 'advance') clock.advance(s.ms);
          else if (s.kind === 'to_midnight') clock.set(new Date(Math.max(clock.now().getTime(), nextMidnight(clock.now().getTime(), zone) + s.offsetMs)));
          else if (s.kind === 'roll_up') {
            // A round out of time (roundMsMax 0) still rolls one wallet up, and says more may lag.
            const round = await rollUpRound({ ...rollup, walletsPerRoundMax: s.wallets, roundMsMax: s.wallets === 3 ? 0 : undefined });
            if (s.wallets === 3) expect(round.wallets).toBeLessThanOrEqual(1);
          }
          else {
            const base = { businessId, customerId: customerIds[s.customer], currency: currencies[s.currency], amount: s.amount, eventType: s.eventType, reason: null, referenceObjectId: null, idempotency: null };
            if (s.kind === 'credit') {
              const expiresAt = s.expiresInMs === null ? null : new Date(clock.now().getTime() + s.expiresInMs).toISOString();
              await t.coffer.ledger.submit({ kind: 'credit', ...base, expiresAt, category: s.promotional ? 'promotional' : 'paid' });
            } else {
              // A debit takes amount‰ of what is available (at least 1), so most debits apply; some are refused.
              const wallets = await t.coffer.ledger.listWallets(businessId, base.customerId);
              const available = wallets.ok ? (wallets.value.items.find((w) => w.currency === base.currency)?.available_balance ?? 0) : 0;
              await t.coffer.ledger.submit({ kind: 'debit', ...base, amount: Math.max(1, Math.floor((available * s.amount) / 1000)) });
            }
          }
        }
        // One entry exactly at a local midnight in every run (the random steps reach one only in some runs).
        clock.set(new Date(nextMidnight(clock.now().getTime(), zone)));
        await t.coffer.ledger.submit({ kind: 'credit', businessId, customerId: customerIds[0], currency: currencies[0], amount: 5, eventType: 'merchant_adjustment', reason: null, referenceObjectId: null, idempotency: null });
        // Past every expiry, one more write per wallet writes the expirations that came due (the writer expires before a command).
        clock.advance(3 * 86_400_000 + 1);
        for (const customerId of customerIds) {
          for (const currency of currencies) {
            const fields = { businessId, customerId, currency, amount: 1, reason: null, referenceObjectId: null, idempotency: null };
            await t.coffer.ledger.submit({ kind: 'credit', ...fields, eventType: 'merchant_adjustment' });
            // And a refund-typed debit in the same instant (the refunds work will write these; its type counts already).
            if (customerId === customerIds[0]) await t.coffer.ledger.submit({ kind: 'debit', ...fields, eventType: 'refund' });
          }
        }
        clock.advance(1);

        const entries = await rawEntries(db, businessId);
        seen.expiration += entries.filter((e) => e.event_type === 'expiration').length;
        seen.promotional += entries.filter((e) => e.promotional !== 0).length;
        seen.refund += entries.filter((e) => e.event_type === 'refund').length;
        seen.midnight += entries.filter((e) => dayIn(new Date(Date.parse(e.created_at) - 1).toISOString(), zone) !== dayIn(e.created_at, zone)).length;
        const nowMs = clock.now().getTime();
        const firstDay = dayIn(new Date(startMs).toISOString(), zone);
        const lastDay = dayIn(new Date(nowMs).toISOString(), zone);
        const dayAfter = new Date(Date.parse(`${lastDay}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);

        // as_of at every entry's created_at: the after_balance of the last entry at or before that instant.
        for (const e of entries) {
          const result = await analytics.walletsAsOf(businessId, e.customer_id, e.created_at);
          if (!result.ok) throw new Error(result.message);
          const wallet = result.value.items.find((w) => w.currency === e.currency);
          const lastAtInstant = entries.filter((x) => x.customer_id === e.customer_id && x.currency === e.currency && x.created_at <= e.created_at).at(-1);
          expect(lastAtInstant?.after_balance).toBe(wallet?.balance);
          if (!entries.some((x) => x !== e && x.customer_id === e.customer_id && x.currency === e.currency && x.created_at === e.created_at)) expect(wallet?.balance).toBe(e.after_balance);
        }

        // Statements over consecutive ranges cut at entry instants and midnights: closing = next opening, and each is
        // brute force, every field of every entry (at the rollup lag, and again with every block written).
        const ledgerRows = new Map((await db.selectFrom('ledger_entries').selectAll().where('business_id', '=', businessId).execute()).map((e) => [e.id, e]));
        const listed = (id: string) => {
          const e = ledgerRows.get(id)!;
          return { id, created_at: e.created_at, event_type: e.event_type, is_credit: Number(e.is_credit) === 1, amount: Number(e.amount), before_balance: Number(e.before_balance), after_balance: Number(e.after_balance), reason: e.reason, reference_object_id: e.reference_object_id };
        };
        const checkStatements = async (pass: string) => {
          const cuts = [...new Set([new Date(startMs - 1).toISOString(), ...entries.filter((_, i) => i % 3 === 0).map((e) => e.created_at), new Date(nowMs).toISOString()])].sort();
          for (const customerId of customerIds) {
            for (const currency of currencies) {
              const mine = entries.filter((e) => e.customer_id === customerId && e.currency === currency);
              const checkOne = async (from: string, to: string) => {
                const result = await analytics.statement(businessId, customerId, currency, from, to);
                if (!result.ok) throw new Error(result.message);
                const s = result.value;
                const inRange = mine.filter((e) => e.created_at >= from && e.created_at < to);
                expect(s.opening_balance).toBe(balanceAt(mine, customerId, currency, (at) => at < from));
                expect(s.closing_balance).toBe(balanceAt(mine, customerId, currency, (at) => at < to));
                expect(s.entries, `${pass} statement entries`).toEqual(inRange.map((e) => listed(e.id)));
                const totals = new Map<string, { credit: number; debit: number; count: number }>();
                for (const e of inRange) {
                  const x = totals.get(e.event_type) ?? { credit: 0, debit: 0, count: 0 };
                  if (e.is_credit) x.credit += e.amount;
                  else x.debit += e.amount;
                  x.count += 1;
                  totals.set(e.event_type, x);
                }
                expect(s.totals.map((x) => [x.event_type, x.credit_amount, x.debit_amount, x.entry_count])).toEqual([...totals.entries()].sort().map(([k, v]) => [k, v.credit, v.debit, v.count]));
                return s;
              };
              let previousClosing: number | null = null;
              for (let i = 0; i + 1 < cuts.length; i++) {
                const s = await checkOne(cuts[i], cuts[i + 1]);
                if (previousClosing !== null) expect(s.opening_balance).toBe(previousClosing);
                previousClosing = s.closing_balance;
              }
              // Wide ranges, which cover blocks whole: the whole period, and from the second cut to the last but one.
              await checkOne(cuts[0], cuts[cuts.length - 1]);
              if (cuts.length > 3) await checkOne(cuts[1], cuts[cuts.length - 2]);
              // Trend: each local day's closing balance.
              const trend = await analytics.trend(businessId, customerId, currency, firstDay, dayAfter);
              if (!trend.ok) throw new Error(trend.message);
              for (const item of trend.value.items) expect(item.closing_balance).toBe(balanceAt(mine, customerId, currency, (at) => dayIn(at, zone) <= item.day));
            }
          }

        };
        await checkStatements('lagging');

        // Business reports at the current lag, then with everything rolled up: both equal the brute force.
        for (const pass of ['lagging', 'rolled up'] as const) {
          if (pass === 'rolled up') while ((await rollUpRound(rollup)).wallets > 0);
          for (const period of ['day', 'week', 'month'] as const) {
            const activity = await analytics.activityReport(businessId, { from: firstDay, to: dayAfter, period });
            if (!activity.ok) throw new Error(activity.message);
            expect(sorted(activity.value.items), `${pass} ${period}`).toEqual(sorted(bruteActivity(entries, zone, firstDay, dayAfter, period)));
            const breakage = await analytics.breakageReport(businessId, { from: firstDay, to: dayAfter, period });
            if (!breakage.ok) throw new Error(breakage.message);
            expect(sorted(breakage.value.items)).toEqual(sorted(bruteBreakage(entries, zone, firstDay, dayAfter, period)));
          }
          for (let day = firstDay; day <= lastDay; day = new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10)) {
            // One-day ranges: entries exactly at a local midnight belong to the day that starts there.
            const next = new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
            const oneDay = await analytics.activityReport(businessId, { from: day, to: next, period: 'day' });
            if (!oneDay.ok) throw new Error(oneDay.message);
            expect(sorted(oneDay.value.items), `${pass} activity ${day}`).toEqual(sorted(bruteActivity(entries, zone, day, next, 'day')));
            const liability = await analytics.liabilityReport(businessId, day);
            if (!liability.ok) throw new Error(liability.message);
            expect(liability.value.items, `${pass} liability ${day}`).toEqual(bruteLiability(entries, zone, day, currencies));
          }
          // The business's day rows are its wallets' day rows summed, at any lag; and a tail read by search (long tails)
          // or by the multi-wallet query (short ones) gives the same facts.
          const number = (row: Record<string, unknown>) => ({ ...row, credit_amount: Number(row.credit_amount), debit_amount: Number(row.debit_amount), entry_count: Number(row.entry_count), promotional_delta: Number(row.promotional_delta) });
          const businessRows = await db.selectFrom('business_day_rollups').select(['currency', 'day', 'event_type', 'credit_amount', 'debit_amount', 'entry_count', 'promotional_delta']).where('business_id', '=', businessId).execute();
          const walletSums = await db
            .selectFrom('wallet_day_rollups')
            .select((eb) => ['currency', 'day', 'event_type', eb.fn.sum('credit_amount').as('credit_amount'), eb.fn.sum('debit_amount').as('debit_amount'), eb.fn.sum('entry_count').as('entry_count'), eb.fn.sum('promotional_delta').as('promotional_delta')])
            .where('business_id', '=', businessId)
            .groupBy(['currency', 'day', 'event_type'])
            .execute();
          expect(sorted(businessRows.map(number)), `${pass} business rollups`).toEqual(sorted(walletSums.map(number)));
          const middleDay = dayIn(entries[Math.floor(entries.length / 2)].created_at, zone);
          for (const scope of [{ businessId, toDay: dayAfter }, { businessId, fromDay: middleDay, toDay: dayAfter }, { businessId, fromDay: middleDay }]) {
            const [bySearch, byQuery] = await readSnapshot(db, t.coffer.store.kind, async (trx) => [
              await readFacts(trx, scope, zone, 'day', false, 0),
              await readFacts(trx, scope, zone, 'day', false, Number.POSITIVE_INFINITY),
            ]);
            expect(sorted(bySearch), `${pass} tails ${JSON.stringify(scope)}`).toEqual(sorted(byQuery));
          }
          for (const currency of currencies) {
            const top = await analytics.topCustomersReport(businessId, { from: firstDay, to: dayAfter, currency, limit: 2 });
            if (!top.ok) throw new Error(top.message);
            expect(top.value.items.map(({ customer_id, spend }) => ({ customer_id, spend }))).toEqual(bruteTop(entries, zone, firstDay, dayAfter, currency, 2));
          }
        }
        await checkStatements('rolled up');
        // Every complete run of blockEntries entries is in a block.
        const blocks = await db.selectFrom('wallet_statement_blocks').select(['customer_id', 'currency', 'first_seq', 'last_seq']).where('business_id', '=', businessId).execute();
        seen.blocks += blocks.length;
        for (const customerId of customerIds) {
          for (const currency of currencies) {
            const count = entries.filter((e) => e.customer_id === customerId && e.currency === currency).length;
            const mine = blocks.filter((b) => b.customer_id === customerId && b.currency === currency);
            expect(mine.reduce((n, b) => n + Number(b.last_seq) - Number(b.first_seq) + 1, 0), `${customerId}/${currency} blocked`).toBe(count - (count % blockEntries));
          }
        }
        // The liability today is what the wallets hold now.
        const now = await analytics.liabilityReport(businessId, lastDay);
        for (const currency of currencies) {
          const held = entries.filter((e) => e.currency === currency);
          const sum = customerIds.reduce((total, id) => total + balanceAt(held, id, currency, () => true), 0);
          expect(now.ok && now.value.items.find((r) => r.currency === currency)?.total).toBe(sum);
        }
      }),
      { numRuns: kind === 'sqlite' ? 12 : 8 },
    );
    expect(seen.expiration, 'expirations').toBeGreaterThan(0);
    expect(seen.promotional, 'promotional moves').toBeGreaterThan(0);
    expect(seen.refund, 'refund entries').toBeGreaterThan(0);
    expect(seen.midnight, 'entries exactly at a local midnight').toBeGreaterThan(0);
    expect(seen.blocks, 'statement blocks').toBeGreaterThan(0);
  }, 600_000);
});
