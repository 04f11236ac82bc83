// Pure deciders of the hold command kinds (hold, capture, release, expire_hold), called from the ledger's table
// (src/ledger/deciders.ts). A hold reserves available money and its lots; a capture writes the one debit entry.
import { isExpiredAt } from '../credits/lot-order.ts';
import type { HoldLotReservation } from '../db/schema.ts';
import type { BatchView, HoldState, Write } from '../ledger/batch-state.ts';
import type { CaptureHoldCommand, EventType, ExpireHoldCommand, HoldCommand, HoldOutcome, HoldRow, ReleaseHoldCommand, WalletSnapshot } from '../ledger/commands.ts';
import { type Decision, appendEntry, knownCustomer } from '../ledger/deciders.ts';
import { eventRow } from '../outbox/event-row.ts';
import { idPrefixes } from '../shared/ids.ts';
import { assertInvariant } from '../shared/result.ts';
import { type HoldJobPayload, holdExpiryJobKind } from './hold-limits.ts';
import { toWireHold } from './hold-wire.ts';

const nothing = (outcome: HoldOutcome): Decision<HoldOutcome> => ({ outcome, writes: [] });

/** What a hold's key protects: the same customer, currency, amount, expiry and capture labels. */
export function holdFingerprint(command: Pick<HoldCommand, 'customerId' | 'currency' | 'amount' | 'expiresAt' | 'eventType' | 'referenceObjectId' | 'upTo'>): string {
  const base = `v1:hold:${command.customerId}:${command.currency}:${command.amount}:${command.expiresAt ?? ''}:${command.eventType}:${command.referenceObjectId ?? ''}`;
  return command.upTo ? `${base}:up_to` : base;
}

/** The hold as the batch has moved it so far. */
export function holdRowOf(hold: HoldState): HoldRow {
  return { ...hold.row, status: hold.status, captured_amount: hold.capturedAmount, capture_entry_id: hold.captureEntryId, updated_at: hold.updatedAt };
}

function walletAfter(view: BatchView, customerId: string, currency: string, balanceDelta: number, heldDelta: number): WalletSnapshot & { held_amount: number } {
  const wallet = view.wallet(customerId, currency)!;
  return {
    customer_id: customerId,
    currency,
    balance: wallet.balance + balanceDelta,
    held_amount: wallet.held + heldDelta,
    created_at: wallet.createdAt,
    updated_at: view.now,
  };
}

function holdEvent(type: 'hold.created' | 'hold.captured' | 'hold.released' | 'hold.expired', row: HoldRow, view: BatchView): Write {
  return {
    type: 'event',
    event: eventRow({ id: view.newId(idPrefixes.event), businessId: row.business_id, type, customerId: row.customer_id, createdAt: view.now, data: { payload_type: 'Hold', ...toWireHold(row) } }),
  };
}

/**
 * Reserves from the wallet's active lots in consumption order (due ones were expired before the command), then from
 * its pool (a part with lot_id null), as a debit would draw (lotDrawWrites).
 */
function reservations(view: BatchView, customerId: string, currency: string, amount: number): HoldLotReservation[] {
  const wallet = view.wallet(customerId, currency)!;
  assertInvariant(wallet.prepared, `wallet ${customerId}/${currency} had its due lots expired before a hold`);
  const parts: HoldLotReservation[] = [];
  let left = amount;
  for (const lot of wallet.lots) {
    if (left === 0) break;
    if (lot.status !== 'active') continue;
    assertInvariant(!isExpiredAt(lot.row.expires_at, view.now), `lot ${lot.row.id} was expired before the hold`);
    const take = Math.min(left, lot.remaining);
    parts.push({ lot_id: lot.row.id, amount: take });
    left -= take;
  }
  if (left > 0) parts.push({ lot_id: null, amount: left });
  return parts;
}

export function decideHold(command: HoldCommand, view: BatchView): Decision<HoldOutcome> {
  if (!knownCustomer(command, view)) return nothing({ kind: 'customer_not_found' });
  const previous = view.record(command.businessId, command.idempotency.scope, command.idempotency.key);
  if (previous) {
    const hold = previous.record.result_type === 'hold' && previous.record.result_id !== null ? view.hold(previous.record.result_id) : undefined;
    if (!hold || previous.record.fingerprint !== holdFingerprint(command)) return nothing({ kind: 'key_conflict', hold: hold ? holdRowOf(hold) : null });
    return nothing({ kind: 'duplicate', hold: holdRowOf(hold), wallet: walletAfter(view, command.customerId, command.currency, 0, 0), entry: null });
  }
  if (command.expiresAt !== null && command.expiresAt <= view.now) return nothing({ kind: 'expiry_not_in_future', now: view.now });
  const wallet = view.wallet(command.customerId, command.currency)!;
  const available = wallet.balance - wallet.held;
  const amount = command.upTo ? Math.min(available, command.amount) : command.amount;
  if (amount <= 0 || available < amount) return nothing({ kind: 'insufficient_funds', balance: wallet.balance, held: wallet.held });
  const parts = reservations(view, command.customerId, command.currency, amount);
  const id = view.newId(idPrefixes.hold);
  const hold: HoldRow = {
    id,
    business_id: command.businessId,
    customer_id: command.customerId,
    currency: command.currency,
    amount,
    captured_amount: 0,
    status: 'active',
    reason: command.reason,
    event_type: command.eventType,
    reference_object_id: command.referenceObjectId ?? id,
    expires_at: command.expiresAt,
    lots: JSON.stringify(parts),
    capture_entry_id: null,
    idempotency_scope: command.idempotency.scope,
    idempotency_key: command.idempotency.key,
    created_at: view.now,
    updated_at: view.now,
  };
  const writes: Write[] = parts.map((part) =>
    part.lot_id === null
      ? { type: 'pool_reserve', customerId: command.customerId, currency: command.currency, amount: part.amount }
      : { type: 'lot_reserve', lotId: part.lot_id, amount: part.amount },
  );
  writes.push(
    { type: 'hold', hold },
    {
      type: 'idempotency_record',
      record: {
        business_id: command.businessId,
        scope: command.idempotency.scope,
        key: command.idempotency.key,
        fingerprint: holdFingerprint(command),
        result_type: 'hold',
        result_id: id,
        created_at: view.now,
      },
    },
    holdEvent('hold.created', hold, view),
  );
  if (command.expiresAt !== null) {
    const payload = JSON.stringify({ business_id: hold.business_id, customer_id: hold.customer_id, currency: hold.currency, hold_id: id } satisfies HoldJobPayload);
    writes.push({ type: 'job', job: { id: view.newId('job'), kind: holdExpiryJobKind, key: id, payload, dueAt: command.expiresAt, createdAt: view.now } });
  }
  return { outcome: { kind: 'applied', hold, wallet: walletAfter(view, command.customerId, command.currency, 0, amount), entry: null }, writes };
}

/** The hold the command names, if it is this business's and this wallet's. */
function namedHold(command: CaptureHoldCommand | ReleaseHoldCommand | ExpireHoldCommand, view: BatchView): HoldState | undefined {
  const hold = view.hold(command.holdId);
  if (!hold || hold.row.business_id !== command.businessId || hold.row.customer_id !== command.customerId || hold.row.currency !== command.currency) return undefined;
  return hold;
}

/** Returns each reservation part to its lot (the batch expires at once any that is due) or to the pool. */
const returns = (hold: HoldRow, parts: readonly HoldLotReservation[]): Write[] =>
  parts
    .filter((part) => part.amount > 0)
    .map((part) =>
      part.lot_id === null
        ? { type: 'pool_return', customerId: hold.customer_id, currency: hold.currency, amount: part.amount }
        : { type: 'lot_return', lotId: part.lot_id, amount: part.amount },
    );

export function decideCapture(command: CaptureHoldCommand, view: BatchView): Decision<HoldOutcome> {
  if (!knownCustomer(command, view)) return nothing({ kind: 'customer_not_found' });
  const hold = namedHold(command, view);
  if (!hold) return nothing({ kind: 'hold_not_found' });
  const row = holdRowOf(hold);
  if (hold.status === 'captured' && (command.amount === null || command.amount === hold.capturedAmount)) {
    const previous = command.idempotency ? view.record(command.businessId, command.idempotency.scope, command.idempotency.key) : undefined;
    return nothing({ kind: 'duplicate', hold: row, wallet: walletAfter(view, command.customerId, command.currency, 0, 0), entry: previous?.entry ?? null });
  }
  if (hold.status !== 'active') return nothing({ kind: 'hold_not_active', hold: row });
  const amount = command.amount ?? hold.row.amount;
  if (amount > hold.row.amount) return nothing({ kind: 'capture_exceeds_hold', hold: row });
  if (command.idempotency && view.record(command.businessId, command.idempotency.scope, command.idempotency.key)) return nothing({ kind: 'key_conflict', hold: row });
  const wallet = view.wallet(command.customerId, command.currency)!;
  const parts = JSON.parse(hold.row.lots) as HoldLotReservation[];
  const rest: HoldLotReservation[] = [];
  let entryId = '';
  const entryDecision = appendEntry(
    {
      kind: 'debit',
      businessId: command.businessId,
      customerId: command.customerId,
      currency: command.currency,
      amount,
      eventType: hold.row.event_type as EventType,
      reason: hold.row.reason,
      referenceObjectId: hold.row.reference_object_id,
      idempotency: command.idempotency,
    },
    view,
    wallet.balance - amount,
    (entry) => {
      entryId = entry.id;
      const draws: Write[] = [];
      let left = amount;
      for (const part of parts) {
        const take = Math.min(left, part.amount);
        if (take > 0 && part.lot_id === null) draws.push({ type: 'pool_draw', entryId: entry.id, amount: take, fromHold: true });
        else if (take > 0) draws.push({ type: 'lot_draw', draw: { entry_id: entry.id, lot_id: part.lot_id!, amount: take }, expires: false, fromHold: true });
        rest.push({ lot_id: part.lot_id, amount: part.amount - take });
        left -= take;
      }
      assertInvariant(left === 0, `hold ${hold.row.id} reserved what its capture takes`);
      return draws;
    },
  );
  const final: HoldRow = { ...row, status: 'captured', captured_amount: amount, capture_entry_id: entryId, updated_at: view.now };
  const entry = entryDecision.outcome.kind === 'applied' ? entryDecision.outcome.entry : null;
  const writes: Write[] = [
    { type: 'hold_move', move: { id: hold.row.id, status: 'captured', capturedAmount: amount, captureEntryId: entryId, updatedAt: view.now } },
    ...entryDecision.writes,
    ...returns(hold.row, rest),
    holdEvent('hold.captured', final, view),
  ];
  return { outcome: { kind: 'applied', hold: final, wallet: walletAfter(view, command.customerId, command.currency, -amount, -hold.row.amount), entry }, writes };
}

/** release (the client's) or expire_hold (the job's, once expires_at has come): every reservation goes back. */
export function decideRelease(command: ReleaseHoldCommand | ExpireHoldCommand, view: BatchView): Decision<HoldOutcome> {
  if (!knownCustomer(command, view)) return nothing({ kind: 'customer_not_found' });
  const hold = namedHold(command, view);
  if (!hold) return nothing({ kind: 'hold_not_found' });
  const row = holdRowOf(hold);
  const target = command.kind === 'release' ? 'released' : 'expired';
  if (hold.status === target) return nothing({ kind: 'duplicate', hold: row, wallet: walletAfter(view, command.customerId, command.currency, 0, 0), entry: null });
  if (hold.status !== 'active') return nothing({ kind: 'hold_not_active', hold: row });
  if (command.kind === 'expire_hold' && (hold.row.expires_at === null || hold.row.expires_at > view.now)) return nothing({ kind: 'not_due', expiresAt: hold.row.expires_at });
  const final: HoldRow = { ...row, status: target, updated_at: view.now };
  const writes: Write[] = [
    { type: 'hold_move', move: { id: hold.row.id, status: target, capturedAmount: 0, captureEntryId: null, updatedAt: view.now } },
    ...returns(hold.row, JSON.parse(hold.row.lots) as HoldLotReservation[]),
    holdEvent(target === 'released' ? 'hold.released' : 'hold.expired', final, view),
  ];
  return { outcome: { kind: 'applied', hold: final, wallet: walletAfter(view, command.customerId, command.currency, 0, -hold.row.amount), entry: null }, writes };
}
