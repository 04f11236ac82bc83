// Unit tests of the pure deciders and the batch state, without a database: what each command kind decides and writes.
import { describe, expect, it } from 'vitest';
import { BatchState, type LoadedBatch, batchTime, loadRequestFor } from '../../src/ledger/batch-state.ts';
import { neverExpiresOrder } from '../../src/credits/lot-order.ts';
import type { CreditCommand, DebitCommand, LedgerCommand, LotRow } from '../../src/ledger/commands.ts';
import { decide } from '../../src/ledger/deciders.ts';
import { decideInBatch } from '../../src/ledger/ledger-batch.ts';
import { fingerprint } from '../../src/ledger/idempotency.ts';
import { InvariantError } from '../../src/shared/result.ts';

const now = '2026-12-01T10:00:00.000Z';
let counter = 0;
const newId = (prefix: string) => `${prefix}_${String(++counter).padStart(21, '0')}`;

function loaded(balance = 1000, extra: Partial<LoadedBatch> = {}, threshold: number | null = null): LoadedBatch {
  return {
    customers: [
      { id: 'cus_a', business_id: 'bus_1', entry_count: 4 },
      { id: 'cus_other', business_id: 'bus_2', entry_count: 0 },
    ],
    wallets: [
      { customer_id: 'cus_a', currency: 'USD', business_id: 'bus_1', balance, entry_count: 3, created_at: '2026-01-01T00:00:00.000Z', updated_at: '2026-11-30T00:00:00.000Z', low_balance_effective: threshold, next_expiry_at: null, held_amount: 0, pool_in: 0, pool_out: 0, pool_held: 0 },
      { customer_id: 'cus_a', currency: 'INR', business_id: 'bus_1', balance: 0, entry_count: 1, created_at: '2026-01-01T00:00:00.000Z', updated_at: '2026-11-30T00:00:00.000Z', low_balance_effective: null, next_expiry_at: null, held_amount: 0, pool_in: 0, pool_out: 0, pool_held: 0 },
      { customer_id: 'cus_other', currency: 'USD', business_id: 'bus_2', balance: 50, entry_count: 0, created_at: '2026-01-01T00:00:00.000Z', updated_at: '2026-01-01T00:00:00.000Z', low_balance_effective: null, next_expiry_at: null, held_amount: 0, pool_in: 0, pool_out: 0, pool_held: 0 },
    ],
    records: [],
    // Opening lots (paid, never expiring) hold the balances, as migration 0006 makes them.
    lots: [openingLot('cus_a', 'bus_1', balance), openingLot('cus_other', 'bus_2', 50)],
    lotWalletsLoaded: ['cus_a\u0000USD', 'cus_a\u0000INR', 'cus_other\u0000USD'],
    holds: [],
    holdLots: [],
    ...extra,
  };
}

function openingLot(customerId: string, businessId: string, amount: number): LotRow {
  return {
    id: `lot_${customerId}`, business_id: businessId, customer_id: customerId, currency: 'USD', amount, remaining_amount: amount, expired_amount: 0,
    category: 'paid', category_rank: 1, expires_at: null, expires_order: neverExpiresOrder, status: 'active', wallet_seq: 0,
    source_entry_id: null, expiry_entry_id: null, notice_sent_at: null, created_at: '2026-01-01T00:00:00.000Z', updated_at: '2026-01-01T00:00:00.000Z',
  };
}

const lotSettings = { expiringNoticeMs: 7 * 86_400_000 };

function command(kind: 'credit' | 'debit', amount: number, key: string | null = null, overrides: Partial<CreditCommand> = {}): LedgerCommand {
  return {
    kind,
    businessId: 'bus_1',
    customerId: 'cus_a',
    currency: 'USD',
    amount,
    eventType: 'merchant_adjustment',
    reason: null,
    referenceObjectId: null,
    idempotency: key === null ? null : { scope: 'client', key },
    ...overrides,
  } as CreditCommand | DebitCommand;
}

/** Decides the commands in order against one batch state, applying each decision as the batch does. */
function run(commands: LedgerCommand[], batch = loaded()) {
  const state = new BatchState(batch, now, newId, ['USD', 'INR', 'EUR'], commands, lotSettings);
  const outcomes = commands.map((c) => ({ outcome: decideInBatch(state, c) }));
  return { outcomes, writeSet: state.writeSet(), state };
}

describe('deciders', () => {
  it('credit appends an entry at the next sequences and moves the wallet and customer counters', () => {
    const { outcomes, writeSet } = run([command('credit', 250, 'k1')]);
    expect(outcomes[0].outcome).toMatchObject({ kind: 'applied', wallet: { balance: 1250, updated_at: now } });
    expect(writeSet.entries).toHaveLength(1);
    expect(writeSet.entries[0]).toMatchObject({ before_balance: 1000, after_balance: 1250, is_credit: 1, wallet_seq: 4, customer_seq: 5, created_at: now, idempotency_key: 'k1' });
    expect(writeSet.idempotencyRecords).toEqual([
      { business_id: 'bus_1', scope: 'client', key: 'k1', fingerprint: fingerprint(command('credit', 250) as CreditCommand), result_type: 'ledger_entry', result_id: writeSet.entries[0].id, created_at: now },
    ]);
    expect(writeSet.walletMoves).toEqual([
      { customerId: 'cus_a', currency: 'USD', expectedBalance: 1000, expectedEntryCount: 3, expectedHeld: 0, balance: 1250, entryCount: 4, held: 0, poolIn: 250, poolOut: 0, poolHeld: 0, updatedAt: now, nextExpiryAt: null },
    ]);
    expect(writeSet.customerMoves).toEqual([{ customerId: 'cus_a', expectedEntryCount: 4, entryCount: 5 }]);
  });

  it('debit is refused when the running balance is short, and writes nothing', () => {
    const { outcomes, writeSet } = run([command('debit', 600), command('debit', 600)]);
    expect(outcomes.map((o) => o.outcome.kind)).toEqual(['applied', 'insufficient_funds']);
    expect(outcomes[1]).toEqual({ outcome: { kind: 'insufficient_funds', balance: 400, held: 0 } });
    expect(writeSet.entries).toHaveLength(1);
    expect(writeSet.walletMoves[0]).toMatchObject({ balance: 400, entryCount: 4 });
  });

  it('a debit of exactly the balance empties the wallet', () => {
    const { outcomes } = run([command('debit', 1000)]);
    expect(outcomes[0].outcome).toMatchObject({ kind: 'applied', wallet: { balance: 0 } });
  });

  it('credit past the largest balance is refused', () => {
    const { outcomes } = run([command('credit', 2)], loaded(Number.MAX_SAFE_INTEGER - 1));
    expect(outcomes[0].outcome).toEqual({ kind: 'balance_limit_exceeded', balance: Number.MAX_SAFE_INTEGER - 1 });
  });

  it("another business's customer is not found, and so is an unknown one", () => {
    const { outcomes, writeSet } = run([command('credit', 5, null, { customerId: 'cus_other' }), command('credit', 5, null, { customerId: 'cus_none' })]);
    expect(outcomes.map((o) => o.outcome.kind)).toEqual(['customer_not_found', 'customer_not_found']);
    expect(writeSet.entries).toEqual([]);
  });

  it('a key repeated in the same batch is a duplicate of the first; a different request with it is a conflict', () => {
    const { outcomes, writeSet } = run([command('credit', 10, 'k'), command('credit', 10, 'k', { reason: 'relabelled' }), command('credit', 11, 'k'), command('debit', 10, 'k')]);
    expect(outcomes.map((o) => o.outcome.kind)).toEqual(['applied', 'duplicate', 'key_conflict', 'key_conflict']);
    expect(writeSet.entries).toHaveLength(1);
    expect(writeSet.idempotencyRecords).toHaveLength(1);
  });

  it('a key stored before: same fingerprint is a duplicate with the current wallet, another is a conflict', () => {
    const entry = {
      id: 'cwt_old', business_id: 'bus_1', customer_id: 'cus_a', currency: 'USD', amount: 7, is_credit: 1, event_type: 'merchant_adjustment',
      reason: 'first', reference_object_id: null, idempotency_key: 'old', before_balance: 993, after_balance: 1000, customer_seq: 4, wallet_seq: 3, created_at: '2026-11-30T00:00:00.000Z',
      pool_offset: null, pool_amount: null,
    };
    const record = { business_id: 'bus_1', scope: 'client', key: 'old', fingerprint: fingerprint(command('credit', 7) as CreditCommand), result_type: 'ledger_entry', result_id: 'cwt_old', created_at: entry.created_at };
    const { outcomes, writeSet } = run([command('credit', 7, 'old'), command('credit', 8, 'old'), command('credit', 7, 'old', { currency: 'INR' })], loaded(1000, { records: [{ record, entry }] }));
    expect(outcomes[0].outcome).toEqual({ kind: 'duplicate', entry, wallet: expect.objectContaining({ balance: 1000, currency: 'USD' }) });
    expect(outcomes[1].outcome).toEqual({ kind: 'key_conflict', entry });
    expect(outcomes[2].outcome).toEqual({ kind: 'key_conflict', entry });
    expect(writeSet.entries).toEqual([]);
  });

  it('the same key text in another scope is another key', () => {
    const coffer = command('credit', 5, null, { idempotency: { scope: 'coffer:test', key: 'k' } });
    const { outcomes, writeSet } = run([command('credit', 5, 'k'), coffer]);
    expect(outcomes.map((o) => o.outcome.kind)).toEqual(['applied', 'applied']);
    expect(writeSet.idempotencyRecords.map((r) => r.scope)).toEqual(['client', 'coffer:test']);
    // Only a client's key is echoed on the wire entry.
    expect(writeSet.entries.map((e) => e.idempotency_key)).toEqual(['k', null]);
  });

  it('a wallet of a newly configured currency is created with its final state', () => {
    const { outcomes, writeSet } = run([command('credit', 40, null, { currency: 'EUR' }), command('debit', 15, null, { currency: 'EUR' })]);
    expect(outcomes.map((o) => o.outcome.kind)).toEqual(['applied', 'applied']);
    expect(writeSet.newWallets).toEqual([
      { customer_id: 'cus_a', currency: 'EUR', business_id: 'bus_1', balance: 25, entry_count: 2, held_amount: 0, pool_in: 40, pool_out: 15, pool_held: 0, created_at: now, updated_at: now, next_expiry_at: null },
    ]);
    expect(writeSet.walletMoves).toEqual([]);
  });

  it('fingerprints ignore the reason but not kind, customer, currency, amount, event type or reference', () => {
    const base = command('credit', 5) as CreditCommand;
    expect(fingerprint({ ...base, reason: 'other' } as CreditCommand)).toBe(fingerprint(base));
    for (const change of [{ kind: 'debit' }, { customerId: 'cus_b' }, { currency: 'INR' }, { amount: 6 }, { eventType: 'refund' }, { referenceObjectId: 'inv_1' }]) {
      expect(fingerprint({ ...base, ...change } as CreditCommand)).not.toBe(fingerprint(base));
    }
  });
});

describe('batch state', () => {
  it('refuses a write that does not start from the running balance (paired with the database CHECKs)', () => {
    const c = command('credit', 5);
    const state = new BatchState(loaded(), now, newId, ['USD'], [c], lotSettings);
    const decision = decide(c, state);
    const entry = { ...(decision.writes[0] as { entry: { before_balance: number } }).entry, before_balance: 999, after_balance: 1004 };
    expect(() => state.apply([{ type: 'entry', entry: entry as never }])).toThrow(InvariantError);
  });

  it('refuses recording one key twice', () => {
    const c = command('credit', 5, 'k');
    const state = new BatchState(loaded(), now, newId, ['USD'], [c], lotSettings);
    const decision = decide(c, state);
    state.apply(decision.writes);
    expect(() => state.apply(decision.writes.filter((w) => w.type === 'idempotency_record'))).toThrow(InvariantError);
  });

  it("the batch's time never runs before the last change of a wallet it locked", () => {
    const batch = loaded();
    expect(batchTime('2026-12-01T10:00:00.000Z', batch.wallets)).toBe('2026-12-01T10:00:00.000Z');
    // A clock behind the wallet's last change (another process's clock, or a clock stepped back).
    expect(batchTime('2026-11-01T00:00:00.000Z', batch.wallets)).toBe('2026-11-30T00:00:00.000Z');
  });

  it('loads each customer once, in id order, and each key once', () => {
    const request = loadRequestFor([command('credit', 1, 'b', { customerId: 'cus_z' }), command('credit', 1, 'b', { customerId: 'cus_z' }), command('debit', 1, 'a')], now);
    expect(request).toEqual({
      now,
      lotWallets: [
        { customerId: 'cus_z', currency: 'USD', need: 0 },
        { customerId: 'cus_a', currency: 'USD', need: 1 },
      ],
      customerIds: ['cus_a', 'cus_z'],
      holdIds: [],
      keys: [
        { businessId: 'bus_1', scope: 'client', key: 'b' },
        { businessId: 'bus_1', scope: 'client', key: 'a' },
      ],
    });
  });
});

describe('events in the write set', () => {
  it('every applied entry writes one wallet.credited or wallet.debited event with the entry, the wallet after it and its wallet_seq', () => {
    const { writeSet } = run([command('credit', 250, 'k1'), command('debit', 100)]);
    expect(writeSet.events.map((e) => e.type)).toEqual(['wallet.credited', 'wallet.debited']);
    const [credited, debited] = writeSet.events.map((e) => ({ ...e, data: JSON.parse(e.data) }));
    expect(credited).toMatchObject({ business_id: 'bus_1', customer_id: 'cus_a', created_at: now, feed_seq: null });
    expect(credited.data).toMatchObject({
      payload_type: 'WalletEntry',
      wallet_seq: 4,
      entry: { id: writeSet.entries[0].id, amount: 250, is_credit: true, before_balance: 1000, after_balance: 1250, idempotency_key: 'k1' },
      wallet: { customer_id: 'cus_a', currency: 'USD', balance: 1250 },
    });
    expect(debited.data).toMatchObject({ wallet_seq: 5, entry: { is_credit: false, after_balance: 1150 }, wallet: { balance: 1150 } });
    expect(new Set(writeSet.events.map((e) => e.id)).size).toBe(2);
  });

  it('a refused or repeated command writes no event', () => {
    const { writeSet } = run([command('credit', 10, 'k'), command('credit', 10, 'k'), command('debit', 10_000)]);
    expect(writeSet.events).toHaveLength(1);
  });

  it('wallet.low_balance fires on the entry that crosses below the threshold, once, and again only after it rises back to it', () => {
    const debits = [300, 300, 300, 50].map((amount) => command('debit', amount));
    const { writeSet } = run([...debits, command('credit', 400), command('debit', 1), command('debit', 100)], loaded(1000, {}, 500));
    // 1000 → 700 → 400 (crosses) → 100 → 50 → 450 (still below: no re-arm) → 449 → 349.
    expect(writeSet.events.filter((e) => e.type === 'wallet.low_balance').map((e) => JSON.parse(e.data))).toEqual([
      { payload_type: 'WalletLowBalance', customer_id: 'cus_a', currency: 'USD', balance: 400, threshold: 500, entry_id: writeSet.entries[1].id, wallet_seq: 5 },
    ]);
    const rearmed = run([command('debit', 600), command('credit', 100), command('debit', 1)], loaded(1000, {}, 500)).writeSet;
    // 1000 → 400 (fires) → 500 (re-armed: at the threshold) → 499 (fires again).
    expect(rearmed.events.filter((e) => e.type === 'wallet.low_balance').map((e) => JSON.parse(e.data).balance)).toEqual([400, 499]);
  });

  it('no threshold, or a credit, never fires wallet.low_balance', () => {
    expect(run([command('debit', 999)]).writeSet.events.map((e) => e.type)).toEqual(['wallet.debited']);
    expect(run([command('credit', 1)], loaded(100, {}, 500)).writeSet.events.map((e) => e.type)).toEqual(['wallet.credited']);
  });

  it('refuses an event about a customer the batch did not load', () => {
    const state = new BatchState(loaded(), now, newId, ['USD'], [], lotSettings);
    const event = { id: 'evt_1', business_id: 'bus_1', type: 'wallet.credited', customer_id: 'cus_unknown', data: '{}', created_at: now, feed_seq: null };
    expect(() => state.apply([{ type: 'event', event }])).toThrow(InvariantError);
  });
});

describe('hold deciders', () => {
  const hold = (amount: number, key: string, extra: Partial<Extract<LedgerCommand, { kind: 'hold' }>> = {}): LedgerCommand => ({
    kind: 'hold', businessId: 'bus_1', customerId: 'cus_a', currency: 'USD', amount, reason: null, expiresAt: null,
    eventType: 'payment', referenceObjectId: null, idempotency: { scope: 'client', key }, ...extra,
  });

  it('a hold reserves available money and its lot; a debit then takes only what is left', () => {
    const { outcomes, writeSet } = run([hold(600, 'h1'), command('debit', 401), command('debit', 400)]);
    expect(outcomes[0].outcome).toMatchObject({ kind: 'applied', hold: { amount: 600, status: 'active' }, wallet: { balance: 1000, held_amount: 600 } });
    expect(outcomes[1].outcome).toEqual({ kind: 'insufficient_funds', balance: 1000, held: 600 });
    expect(outcomes[2].outcome).toMatchObject({ kind: 'applied', wallet: { balance: 600 } });
    expect(writeSet.newHolds).toHaveLength(1);
    expect(JSON.parse(writeSet.newHolds[0].lots)).toEqual([{ lot_id: 'lot_cus_a', amount: 600 }]);
    expect(writeSet.walletMoves[0]).toMatchObject({ balance: 600, held: 600, expectedHeld: 0 });
    expect(writeSet.lotMoves[0]).toMatchObject({ id: 'lot_cus_a', remaining: 0, status: 'spent', expectedStatus: 'active' });
    expect(writeSet.entries).toHaveLength(1);
  });

  it('an up-to hold takes what is available, and nothing available is a refusal that writes nothing', () => {
    const { outcomes, writeSet } = run([hold(5000, 'h1', { upTo: true }), hold(1, 'h2', { upTo: true })]);
    expect(outcomes[0].outcome).toMatchObject({ kind: 'applied', hold: { amount: 1000 } });
    expect(outcomes[1].outcome).toMatchObject({ kind: 'insufficient_funds' });
    expect(writeSet.newHolds).toHaveLength(1);
    expect(writeSet.idempotencyRecords.map((r) => r.key)).toEqual(['h1']);
  });

  it('capture in the same batch writes one debit that draws the reserved lot; the rest goes back', () => {
    const state = new BatchState(loaded(), now, newId, ['USD'], [], lotSettings);
    const placed = decideInBatch(state, hold(700, 'h1')) as { kind: 'applied'; hold: { id: string } };
    const capture: LedgerCommand = { kind: 'capture', businessId: 'bus_1', customerId: 'cus_a', currency: 'USD', holdId: placed.hold.id, amount: 300, idempotency: null };
    expect(decideInBatch(state, capture)).toMatchObject({ kind: 'applied', hold: { status: 'captured', captured_amount: 300 }, wallet: { balance: 700, held_amount: 0 } });
    const set = state.writeSet();
    expect(set.entries.map((e) => [e.amount, e.event_type, e.reference_object_id])).toEqual([[300, 'payment', placed.hold.id]]);
    expect(set.draws).toEqual([{ entry_id: set.entries[0].id, lot_id: 'lot_cus_a', amount: 300 }]);
    expect(set.lotMoves[0]).toMatchObject({ remaining: 700, status: 'active' });
    expect(set.newHolds[0]).toMatchObject({ status: 'captured', captured_amount: 300, capture_entry_id: set.entries[0].id });
    expect(decideInBatch(state, { ...capture, amount: 100 })).toMatchObject({ kind: 'hold_not_active' });
  });

  it('a capture of more than the hold, or of an unknown hold, is refused', () => {
    const state = new BatchState(loaded(), now, newId, ['USD'], [], lotSettings);
    const placed = decideInBatch(state, hold(100, 'h1')) as { kind: 'applied'; hold: { id: string } };
    const capture: LedgerCommand = { kind: 'capture', businessId: 'bus_1', customerId: 'cus_a', currency: 'USD', holdId: placed.hold.id, amount: 101, idempotency: null };
    expect(decideInBatch(state, capture)).toMatchObject({ kind: 'capture_exceeds_hold' });
    expect(decideInBatch(state, { ...capture, holdId: 'hold_missing' })).toEqual({ kind: 'hold_not_found' });
    expect(decideInBatch(state, { ...capture, businessId: 'bus_2', customerId: 'cus_other' })).toEqual({ kind: 'hold_not_found' });
  });
});
