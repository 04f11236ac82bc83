// Property (fast-check, both stores): random credits (some with lots that expire), debits, holds (some expiring),
// captures (whole and partial), releases, clock moves and job rounds. Without expiring money a reference model
// predicts every answer and the wallet exactly; with it, the invariants still hold after every run: balance = Σ
// entries, held = Σ active holds, available ≥ 0, and `coffer verify` finds the lots and holds consistent.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyStore } from '../../src/ops/verify.ts';
import { createCustomer } from '../support/fixtures.ts';
import { ManualClock } from '../support/manual-clock.ts';
import { storeKinds } from '../support/stores.ts';
import { type TestApp, startTestApp } from '../support/test-app.ts';
import { walletOf } from './support.ts';

const hour = 3_600_000;

type Step =
  | { kind: 'credit'; amount: number; expiresInMs: number | null }
  | { kind: 'debit'; amount: number }
  | { kind: 'hold'; amount: number; expiresInMs: number | null }
  | { kind: 'capture'; pick: number; fraction: number | null }
  | { kind: 'release'; pick: number }
  | { kind: 'advance'; ms: number };

const steps = (withExpiry: boolean): fc.Arbitrary<Step[]> =>
  fc.array(
    fc.oneof(
      {
        weight: 4,
        arbitrary: fc.record({
          kind: fc.constant('credit' as const),
          amount: fc.integer({ min: 1, max: 1000 }),
          expiresInMs: withExpiry ? fc.option(fc.integer({ min: 1, max: 10 * hour }), { nil: null }) : fc.constant(null),
        }),
      },
      { weight: 3, arbitrary: fc.record({ kind: fc.constant('debit' as const), amount: fc.integer({ min: 1, max: 800 }) }) },
      {
        weight: 4,
        arbitrary: fc.record({
          kind: fc.constant('hold' as const),
          amount: fc.integer({ min: 1, max: 800 }),
          expiresInMs: withExpiry ? fc.option(fc.integer({ min: 1, max: 10 * hour }), { nil: null }) : fc.constant(null),
        }),
      },
      { weight: 3, arbitrary: fc.record({ kind: fc.constant('capture' as const), pick: fc.nat(), fraction: fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: null }) }) },
      { weight: 2, arbitrary: fc.record({ kind: fc.constant('release' as const), pick: fc.nat() }) },
      { weight: withExpiry ? 2 : 0, arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 1, max: 4 * hour }) }) },
    ),
    { minLength: 1, maxLength: 25 },
  );

describe.each(storeKinds)('holds property [%s]', (kind) => {
  let t: TestApp;
  const clock = new ManualClock(new Date('2026-05-01T00:00:00.000Z'));
  let keyCounter = 0;
  beforeAll(async () => {
    t = await startTestApp(kind, {}, { clock });
  });
  afterAll(async () => t?.close());

  const run = async (list: Step[], withExpiry: boolean) => {
    const customerId = (await createCustomer(t)).customer_id;
    const model = { balance: 0, holds: [] as Array<{ id: string; amount: number; active: boolean }> };
    const held = () => model.holds.filter((h) => h.active).reduce((sum, h) => sum + h.amount, 0);
    for (const step of list) {
      const future = (ms: number | null) => (ms === null ? null : new Date(clock.now().getTime() + ms).toISOString());
      if (step.kind === 'credit') {
        const r = await t.request('POST', `/customers/${customerId}/wallets/ledger-entries`, { body: { amount: step.amount, currency: 'USD', entry_type: 'credit', expires_at: future(step.expiresInMs) } });
        expect(r.statusCode, r.body).toBe(200);
        model.balance += step.amount;
      } else if (step.kind === 'debit') {
        const r = await t.request('POST', `/customers/${customerId}/wallets/ledger-entries`, { body: { amount: step.amount, currency: 'USD', entry_type: 'debit' } });
        if (!withExpiry) expect(r.statusCode, r.body).toBe(step.amount <= model.balance - held() ? 200 : 400);
        if (r.statusCode === 200) model.balance -= step.amount;
      } else if (step.kind === 'hold') {
        const r = await t.request('POST', `/customers/${customerId}/wallets/holds`, { body: { amount: step.amount, currency: 'USD', idempotency_key: `p-${++keyCounter}`, expires_at: future(step.expiresInMs) } });
        if (!withExpiry) expect(r.statusCode, r.body).toBe(step.amount <= model.balance - held() ? 200 : 400);
        if (r.statusCode === 200) model.holds.push({ id: r.json().id, amount: step.amount, active: true });
      } else if (step.kind === 'capture' || step.kind === 'release') {
        if (model.holds.length === 0) continue;
        const hold = model.holds[step.pick % model.holds.length];
        if (step.kind === 'capture') {
          const amount = step.fraction === null ? null : Math.max(1, Math.floor(hold.amount * step.fraction));
          const r = await t.request('POST', `/holds/${hold.id}/capture`, { body: { amount } });
          if (!withExpiry) expect(r.statusCode, r.body).toBe(hold.active ? 200 : r.statusCode === 200 ? 200 : 409);
          if (r.statusCode === 200 && hold.active) {
            model.balance -= r.json().captured_amount;
            hold.active = false;
          }
        } else {
          const r = await t.request('POST', `/holds/${hold.id}/release`, { body: {} });
          if (!withExpiry && hold.active) expect(r.statusCode, r.body).toBe(200);
          if (r.statusCode === 200) hold.active = false;
        }
      } else {
        clock.advance(step.ms);
        for (let i = 0; i < 3; i++) await t.coffer.jobs.tick();
      }
    }
    const wallet = await walletOf(t, customerId);
    const entries = await t.coffer.store.db.selectFrom('ledger_entries').select(['amount', 'is_credit']).where('customer_id', '=', customerId).execute();
    const sum = entries.reduce((total, e) => total + (e.is_credit === 1 ? Number(e.amount) : -Number(e.amount)), 0);
    const row = await t.coffer.store.db.selectFrom('wallets').selectAll().where('customer_id', '=', customerId).where('currency', '=', 'USD').executeTakeFirstOrThrow();
    expect(Number(row.balance)).toBe(sum);
    expect(wallet.available_balance).toBeGreaterThanOrEqual(0);
    const activeHolds = await t.coffer.store.db.selectFrom('holds').select('amount').where('customer_id', '=', customerId).where('status', '=', 'active').execute();
    expect(Number(row.held_amount)).toBe(activeHolds.reduce((total, h) => total + Number(h.amount), 0));
    if (!withExpiry) expect([wallet.balance, wallet.held_amount]).toEqual([model.balance, held()]);
  };

  it('a reference model predicts every answer and the wallet (no expiring money)', async () => {
    await fc.assert(fc.asyncProperty(steps(false), (list) => run(list, false)), { numRuns: 25 });
    expect((await verifyStore(t.coffer.store)).findings).toEqual([]);
  });

  it('with expiring lots and holds, the invariants hold and verify finds nothing', async () => {
    await fc.assert(
      fc.asyncProperty(steps(true), async (list) => {
        await run(list, true);
        expect((await verifyStore(t.coffer.store)).findings).toEqual([]);
      }),
      { numRuns: 25 },
    );
  });
});
