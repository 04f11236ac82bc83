// Property (fast-check, both stores), with a clock the test moves: over random credits (with and without expiry and
// category), debits, clock advances (often to an expiry instant, or a millisecond either side), expiry-job rounds and
// restarts of Coffer on the same database, a reference model of the lots agrees with Coffer at every step: balance =
// Σ remaining of unexpired lots, each debit draws in the consumption order, no expired lot is ever spent, the
// expiration entries add up to exactly what expired (one per lot), and the ledger chain and sequences stay dense.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CofferApp, buildCoffer } from '../../src/app/coffer.ts';
import { loadConfig } from '../../src/config/config.ts';
import type { LotCategory } from '../../src/credits/lot-order.ts';
import type { WireLot } from '../../src/credits/lot-service.ts';
import { openStore } from '../../src/db/database.ts';
import { ManualClock } from '../support/manual-clock.ts';
import { storeKinds } from '../support/stores.ts';
import { type TestApp, startTestApp } from '../support/test-app.ts';

const hour = 3_600_000;

type Step =
  | { kind: 'credit'; amount: number; expiresInMs: number | null; category: LotCategory }
  | { kind: 'debit'; amount: number }
  | { kind: 'advance'; ms: number }
  /** Moves the clock to the next unexpired lot's expires_at, plus offset (−1, 0 or +1 ms). */
  | { kind: 'to_expiry'; offsetMs: number }
  | { kind: 'jobs' }
  | { kind: 'restart' };

const stepArbitrary: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('credit' as const),
      amount: fc.integer({ min: 1, max: 1000 }),
      expiresInMs: fc.option(fc.integer({ min: 1, max: 72 * hour }), { nil: null, freq: 3 }),
      category: fc.constantFrom<LotCategory>('paid', 'promotional'),
    }),
  },
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('debit' as const), amount: fc.integer({ min: 1, max: 1500 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 1, max: 30 * hour }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('to_expiry' as const), offsetMs: fc.constantFrom(-1, 0, 1) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'jobs' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'restart' as const }) },
);

interface ModelLot {
  id: string;
  amount: number;
  remaining: number;
  expired: number;
  category: LotCategory;
  expiresAt: number | null;
  walletSeq: number;
}

/** The order, written out independently of src/credits/lot-order.ts: soonest expiry, promotional, oldest. */
const consumedBefore = (a: ModelLot, b: ModelLot) =>
  (a.expiresAt ?? Number.POSITIVE_INFINITY) - (b.expiresAt ?? Number.POSITIVE_INFINITY) ||
  (a.category === b.category ? 0 : a.category === 'promotional' ? -1 : 1) ||
  a.walletSeq - b.walletSeq;

describe.each(storeKinds)('lots property [%s]', (kind) => {
  let t: TestApp;
  let app: CofferApp;
  const clock = new ManualClock(new Date('2027-06-01T00:00:00.000Z'));
  beforeAll(async () => {
    t = await startTestApp(kind, {}, { clock });
    app = t.coffer;
  });
  afterAll(async () => {
    if (app !== t.coffer) await app.close();
    await t?.close();
  });

  const request = (method: string, url: string, body?: unknown) =>
    app.app.inject({ method: method as 'GET', url, headers: { authorization: `Bearer ${t.apiKey}` }, ...(body === undefined ? {} : { payload: body as object }) });

  /** Every lot of the customer's USD wallet, as GET …/wallets/lots lists them (page by page). */
  async function listLots(customerId: string): Promise<WireLot[]> {
    const all: WireLot[] = [];
    for (let page = 0; ; page++) {
      const listed = await request('GET', `/customers/${customerId}/wallets/lots?currency=USD&page_size=100&page_number=${page}`);
      expect(listed.statusCode, listed.body).toBe(200);
      const items = listed.json().items as WireLot[];
      all.push(...items);
      if (items.length < 100) return all;
    }
  }

  /** Coffer restarted on the same database: a new store connection, writer and job runtime; the old one closed. */
  async function restart(): Promise<void> {
    await app.close();
    const config = loadConfig({ ...t.env, COFFER_RATE_LIMIT_PER_SECOND: '0' });
    app = await buildCoffer({ config, store: await openStore(config), logger: false, clock });
    await app.app.ready();
  }

  it('agrees with a model of the lots at every step, across clock moves, jobs and restarts', async () => {
    let sequence = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(stepArbitrary, { minLength: 1, maxLength: 24 }), async (steps) => {
        sequence += 1;
        clock.advance(200 * hour);
        const created = await request('POST', '/customers', { email: `lots-${sequence}@example.com`, name: 'Lots property' });
        const customerId = created.json().customer_id as string;
        const lots: ModelLot[] = [];
        let walletSeq = 0;
        const now = () => clock.now().getTime();
        const active = () => lots.filter((lot) => lot.remaining > 0 && (lot.expiresAt === null || lot.expiresAt > now()));
        const expireDue = () => {
          for (const lot of lots) {
            if (lot.remaining > 0 && lot.expiresAt !== null && lot.expiresAt <= now()) {
              lot.expired = lot.remaining;
              lot.remaining = 0;
              walletSeq += 1; // its expiration entry, written by the next write or by the job
            }
          }
        };
        const db = () => app.store.db;

        for (const step of steps) {
          if (step.kind === 'advance') clock.advance(step.ms);
          else if (step.kind === 'to_expiry') {
            const next = active().filter((lot) => lot.expiresAt !== null).sort((a, b) => a.expiresAt! - b.expiresAt!)[0];
            if (next) clock.set(new Date(Math.max(now(), next.expiresAt! + step.offsetMs)));
          } else if (step.kind === 'jobs') await app.jobs.tick();
          else if (step.kind === 'restart') await restart();
          else if (step.kind === 'credit') {
            const body = {
              amount: step.amount,
              currency: 'USD',
              entry_type: 'credit',
              category: step.category,
              ...(step.expiresInMs === null ? {} : { expires_at: new Date(now() + step.expiresInMs).toISOString() }),
            };
            const response = await request('POST', `/customers/${customerId}/wallets/ledger-entries`, body);
            expect(response.statusCode, response.body).toBe(200);
            expireDue();
            walletSeq += 1;
            const entry = await db().selectFrom('ledger_entries').select(['id', 'wallet_seq']).where('customer_id', '=', customerId).orderBy('wallet_seq', 'desc').limit(1).executeTakeFirstOrThrow();
            expect(Number(entry.wallet_seq)).toBe(walletSeq);
            // The credit's lot as the API lists it (stored, or derived from the wallet's paid pool).
            const lot = (await listLots(customerId)).find((l) => l.source_entry_id === entry.id)!;
            expect(lot, `credit ${entry.id} has a lot`).toBeDefined();
            expect(lot).toMatchObject({ amount: step.amount, remaining_amount: step.amount, category: step.category, status: 'active' });
            // Paid money that never expires is the wallet's pool: no lot row (what keeps plain credits and debits cheap).
            const stored = await db().selectFrom('credit_lots').select('id').where('source_entry_id', '=', entry.id).execute();
            expect(stored.length).toBe(step.expiresInMs === null && step.category === 'paid' ? 0 : 1);
            lots.push({ id: lot.lot_id, amount: step.amount, remaining: step.amount, expired: 0, category: step.category, expiresAt: step.expiresInMs === null ? null : now() + step.expiresInMs, walletSeq });
          } else {
            const available = active().reduce((sum, lot) => sum + lot.remaining, 0);
            const response = await request('POST', `/customers/${customerId}/wallets/ledger-entries`, { amount: step.amount, currency: 'USD', entry_type: 'debit' });
            expireDue();
            if (step.amount > available) {
              expect(response.statusCode, response.body).toBe(400);
              expect(response.json()).toMatchObject({ code: 'INSUFFICIENT_WALLET_FUNDS', balance: available });
              continue;
            }
            expect(response.statusCode, response.body).toBe(200);
            walletSeq += 1;
            // The model's draws, in the consumption order.
            const expected: Array<{ lot_id: string; amount: number }> = [];
            let left = step.amount;
            for (const lot of active().sort(consumedBefore)) {
              if (left === 0) break;
              const amount = Math.min(left, lot.remaining);
              lot.remaining -= amount;
              left -= amount;
              expected.push({ lot_id: lot.id, amount });
            }
            const entry = await db().selectFrom('ledger_entries').select(['id', 'wallet_seq']).where('customer_id', '=', customerId).orderBy('wallet_seq', 'desc').limit(1).executeTakeFirstOrThrow();
            expect(Number(entry.wallet_seq)).toBe(walletSeq);
            const draws = await request('GET', `/customers/${customerId}/wallets/ledger-entries/${entry.id}/lot-draws`);
            expect(draws.json().items.map((d: { lot_id: string; amount: number }) => ({ lot_id: d.lot_id, amount: d.amount }))).toEqual(expected);
          }
          // Every read leaves expired money out, whether or not its expiration entry exists yet.
          expireDue();
          const wallets = await request('GET', `/customers/${customerId}/wallets`);
          const usd = wallets.json().items.find((w: { currency: string }) => w.currency === 'USD');
          expect(usd.balance).toBe(active().reduce((sum, lot) => sum + lot.remaining, 0));
          const nextExpiry = active().filter((lot) => lot.expiresAt !== null).sort((a, b) => a.expiresAt! - b.expiresAt!)[0];
          expect(usd.next_expiry_at).toBe(nextExpiry ? new Date(nextExpiry.expiresAt!).toISOString() : null);
        }

        // Settle: every lot past its expiry gets its expiration entry from the job, then the store is checked whole.
        for (let round = 0; round < 100 && (await app.jobs.tick()).claimed > 0; round++);
        const store = db();
        const storedLots = await listLots(customerId);
        const entries = await store.selectFrom('ledger_entries').selectAll().where('customer_id', '=', customerId).orderBy('wallet_seq').execute();
        const draws: Array<{ entry_id: string; lot_id: string; amount: number }> = [];
        for (const entry of entries.filter((e) => Number(e.is_credit) === 0)) {
          const drawn = await request('GET', `/customers/${customerId}/wallets/ledger-entries/${entry.id}/lot-draws`);
          for (const d of drawn.json().items as Array<{ lot_id: string; amount: number }>) draws.push({ entry_id: entry.id, lot_id: d.lot_id, amount: d.amount });
        }
        expect(storedLots.map((lot) => lot.lot_id).sort()).toEqual(lots.map((lot) => lot.id).sort());
        const wallet = await store.selectFrom('wallets').selectAll().where('customer_id', '=', customerId).where('currency', '=', 'USD').executeTakeFirstOrThrow();
        // Dense chain and sequences.
        entries.forEach((entry, index) => {
          expect(Number(entry.wallet_seq)).toBe(index + 1);
          expect(Number(entry.customer_seq)).toBe(index + 1);
          expect(Number(entry.before_balance)).toBe(index === 0 ? 0 : Number(entries[index - 1].after_balance));
        });
        expect(Number(wallet.balance)).toBe(entries.length ? Number(entries.at(-1)!.after_balance) : 0);
        // The stored balance is Σ remaining of active lots (expired ones recorded or not yet: the job ran just now).
        const activeStored = storedLots.filter((lot) => lot.status === 'active');
        expect(Number(wallet.balance)).toBe(activeStored.reduce((sum, lot) => sum + Number(lot.remaining_amount), 0));
        for (const lot of storedLots) {
          const model = lots.find((l) => l.id === lot.lot_id)!;
          expect({ remaining: Number(lot.remaining_amount), expired: Number(lot.expired_amount) }).toEqual({ remaining: model.remaining, expired: model.expired });
          const drawn = draws.filter((d) => d.lot_id === lot.lot_id).reduce((sum, d) => sum + Number(d.amount), 0);
          expect(drawn + Number(lot.remaining_amount)).toBe(Number(lot.amount));
        }
        // No debit ever drew from a lot at or after its expires_at.
        const entryById = new Map(entries.map((e) => [e.id, e]));
        for (const draw of draws) {
          const entry = entryById.get(draw.entry_id)!;
          const lot = storedLots.find((l) => l.lot_id === draw.lot_id)!;
          if (entry.event_type === 'expiration') expect(entry.reference_object_id).toBe(lot.lot_id);
          else expect(lot.expires_at === null || lot.expires_at > entry.created_at, `debit ${entry.id} spent expired lot ${lot.lot_id}`).toBe(true);
        }
        // One expiration entry per expired lot, for exactly what expired.
        const expirations = entries.filter((e) => e.event_type === 'expiration');
        const expiredLots = storedLots.filter((lot) => lot.status === 'expired');
        expect(expirations.map((e) => e.reference_object_id).sort()).toEqual(expiredLots.map((lot) => lot.lot_id).sort());
        expect(expirations.reduce((sum, e) => sum + Number(e.amount), 0)).toBe(lots.reduce((sum, lot) => sum + lot.expired, 0));
        for (const e of expirations) expect(Number(e.amount)).toBe(Number(expiredLots.find((lot) => lot.lot_id === e.reference_object_id)!.expired_amount));
      }),
      { numRuns: 40 },
    );
  }, 240_000);
});
