// Pure deciders, one per command kind: given what the batch loaded and its running state, a command's outcome and rows.
// They read no store and no clock (the batch's time is in the view), so they are unit-tested without a database.
import { lotExpiryScope } from '../credits/credit-limits.ts';
import { decideCapture, decideHold, decideRelease } from '../holds/hold-deciders.ts';
import { lotCreditWrites, lotDrawWrites, lotExpiredEvent } from '../credits/lot-writes.ts';
import { type EventRow, eventRow } from '../outbox/event-row.ts';
import { idPrefixes } from '../shared/ids.ts';
import { walletBalanceMax } from '../shared/money.ts';
import { assertInvariant } from '../shared/result.ts';
import { type BatchView, type LotState, type Write, walletSnapshot } from './batch-state.ts';
import type {
  CommandKind,
  CreditCommand,
  DebitCommand,
  EntryOutcome,
  EntryRow,
  ExpireLotCommand,
  LedgerCommand,
  OutcomeOf,
  WalletSnapshot,
} from './commands.ts';
import { toWireEntry } from './entry-wire.ts';
import { fingerprint } from './idempotency.ts';

export interface Decision<O> {
  outcome: O;
  /** Rows to write; empty when the command changes nothing. */
  writes: Write[];
}

type Decider<C extends LedgerCommand> = (command: C, view: BatchView) => Decision<OutcomeOf[C['kind']]>;

const nothing = <O>(outcome: O): Decision<O> => ({ outcome, writes: [] });

/**
 * A repeated key: the same request returns what the first produced, another request is a conflict. Returns null
 * when the key is new (or absent).
 */
function repeatedKey(command: CreditCommand | DebitCommand, view: BatchView): Decision<EntryOutcome> | null {
  if (command.idempotency === null) return null;
  const previous = view.record(command.businessId, command.idempotency.scope, command.idempotency.key);
  if (!previous) return null;
  if (previous.record.fingerprint !== fingerprint(command) || previous.entry === null) {
    return nothing({ kind: 'key_conflict', entry: previous.entry });
  }
  const wallet = view.wallet(previous.entry.customer_id, previous.entry.currency);
  assertInvariant(wallet, `the wallet of entry ${previous.entry.id} was loaded with its customer`);
  return nothing({ kind: 'duplicate', entry: previous.entry, wallet: walletSnapshot(wallet) });
}

/** The fields of an entry a decider appends. */
export type EntryFields = Pick<CreditCommand, 'businessId' | 'customerId' | 'currency' | 'amount' | 'eventType' | 'reason' | 'referenceObjectId' | 'idempotency'> & {
  kind: 'credit' | 'debit';
  expiresAt?: string | null;
  category?: CreditCommand['category'];
};

/**
 * Appends one entry moving the wallet from its running balance to `after`, and records the key if there is one;
 * `extra` writes (its lot, or its draws) follow the entry and come before its events.
 */
export function appendEntry(
  command: EntryFields,
  view: BatchView,
  after: number,
  extra: (entry: EntryRow) => Write[] = () => [],
  moreEvents: (entry: EntryRow, wallet: WalletSnapshot) => EventRow[] = () => [],
): Decision<EntryOutcome> {
  const customer = view.customer(command.customerId)!;
  const wallet = view.wallet(command.customerId, command.currency)!;
  const entry: EntryRow = {
    id: view.newId(idPrefixes.ledgerEntry),
    business_id: command.businessId,
    customer_id: command.customerId,
    currency: command.currency,
    amount: command.amount,
    is_credit: command.kind === 'credit' ? 1 : 0,
    event_type: command.eventType,
    reason: command.reason,
    reference_object_id: command.referenceObjectId,
    idempotency_key: command.idempotency?.scope === 'client' ? command.idempotency.key : null,
    before_balance: wallet.balance,
    after_balance: after,
    customer_seq: customer.entryCount + 1,
    wallet_seq: wallet.entryCount + 1,
    created_at: view.now,
    // Set by the batch when a pool_credit or pool_draw write follows (BatchState.applyPool).
    pool_offset: null,
    pool_amount: null,
  };
  const writes: Write[] = [{ type: 'entry', entry }, ...extra(entry)];
  if (command.idempotency !== null) {
    writes.push({
      type: 'idempotency_record',
      record: {
        business_id: command.businessId,
        scope: command.idempotency.scope,
        key: command.idempotency.key,
        fingerprint: fingerprint(command),
        result_type: 'ledger_entry',
        result_id: entry.id,
        created_at: view.now,
      },
    });
  }
  const snapshot = { customer_id: entry.customer_id, currency: entry.currency, balance: after, created_at: wallet.createdAt, updated_at: view.now };
  for (const event of entryEvents(entry, snapshot, wallet.lowBalanceThreshold, view)) writes.push({ type: 'event', event });
  for (const event of moreEvents(entry, snapshot)) writes.push({ type: 'event', event });
  return { outcome: { kind: 'applied', entry, wallet: snapshot }, writes };
}

/**
 * The events an entry reports: wallet.credited or wallet.debited with the entry, the wallet after it and its
 * wallet_seq, and wallet.low_balance when it takes the balance from at least the threshold to below it. Entries on
 * one wallet are decided one at a time in wallet_seq order, so each crossing is one entry and fires once.
 */
export function entryEvents(entry: EntryRow, wallet: WalletSnapshot, threshold: number | null, view: Pick<BatchView, 'newId'>): EventRow[] {
  const event = (type: 'wallet.credited' | 'wallet.debited' | 'wallet.low_balance', data: { payload_type: string } & Record<string, unknown>) =>
    eventRow({ id: view.newId(idPrefixes.event), businessId: entry.business_id, type, customerId: entry.customer_id, createdAt: entry.created_at, data });
  const events = [
    event(entry.is_credit === 1 ? 'wallet.credited' : 'wallet.debited', {
      payload_type: 'WalletEntry',
      entry: toWireEntry(entry),
      wallet,
      wallet_seq: entry.wallet_seq,
    }),
  ];
  if (threshold !== null && entry.before_balance >= threshold && entry.after_balance < threshold) {
    events.push(
      event('wallet.low_balance', {
        payload_type: 'WalletLowBalance',
        customer_id: entry.customer_id,
        currency: entry.currency,
        balance: entry.after_balance,
        threshold,
        entry_id: entry.id,
        wallet_seq: entry.wallet_seq,
      }),
    );
  }
  return events;
}

/** The customer must be this business's (another business's customer is indistinguishable from an unknown one). */
export function knownCustomer(command: LedgerCommand, view: BatchView): boolean {
  const customer = view.customer(command.customerId);
  if (!customer || customer.loaded.business_id !== command.businessId) return false;
  assertInvariant(view.wallet(command.customerId, command.currency), `wallet ${command.customerId}/${command.currency} exists for a configured currency`);
  return true;
}

export const decideCredit: Decider<CreditCommand> = (command, view) => {
  if (!knownCustomer(command, view)) return nothing({ kind: 'customer_not_found' });
  const repeat = repeatedKey(command, view);
  if (repeat) return repeat;
  const before = view.wallet(command.customerId, command.currency)!.balance;
  if (before + command.amount > walletBalanceMax) return nothing({ kind: 'balance_limit_exceeded', balance: before });
  let expiresAt = command.expiresAt ?? null;
  if (expiresAt !== null && expiresAt <= view.now) {
    if (!command.dropLapsedExpiry) return nothing({ kind: 'expiry_not_in_future', now: view.now });
    expiresAt = null;
  }
  return appendEntry(command, view, before + command.amount, (entry) => lotCreditWrites(entry, expiresAt, command.category ?? 'paid', view));
};

export const decideDebit: Decider<DebitCommand> = (command, view) => {
  if (!knownCustomer(command, view)) return nothing({ kind: 'customer_not_found' });
  const repeat = repeatedKey(command, view);
  if (repeat) return repeat;
  const wallet = view.wallet(command.customerId, command.currency)!;
  const before = wallet.balance;
  // Only available money can be debited: what holds reserve stays for their captures.
  if (before - wallet.held < command.amount) return nothing({ kind: 'insufficient_funds', balance: before, held: wallet.held });
  return appendEntry(command, view, before - command.amount, (entry) => lotDrawWrites(entry, view));
};

/** Expiry is recorded before the wallet's first command (decideLotExpiry); this command reports where the lot stands. */
export const decideExpireLot: Decider<ExpireLotCommand> = (command, view) => {
  if (!knownCustomer(command, view)) return nothing({ kind: 'customer_not_found' });
  const previous = view.record(command.businessId, command.idempotency.scope, command.idempotency.key);
  if (previous?.record.result_id) return nothing({ kind: 'expired', entryId: previous.record.result_id });
  const lot = view.lot(command.lotId);
  if (!lot || lot.row.customer_id !== command.customerId || lot.row.currency !== command.currency) return nothing({ kind: 'lot_not_found' });
  if (lot.status === 'expired') return nothing({ kind: 'expired', entryId: lot.expiryEntryId! });
  if (lot.status === 'spent') return nothing({ kind: 'spent' });
  return nothing({ kind: 'not_due', expiresAt: lot.row.expires_at });
};

/**
 * The expiration entry of one due lot: all its remainder, keyed coffer:lot_expiry/<lot id>; a lot that expired before
 * and gets a hold's reservation back expires that too, keyed <lot id>:w<wallet_seq of the new entry>.
 */
export function decideLotExpiry(lot: LotState, view: BatchView): Decision<EntryOutcome> {
  const wallet = view.wallet(lot.row.customer_id, lot.row.currency)!;
  assertInvariant(lot.status === 'active' && lot.remaining > 0 && wallet.balance >= lot.remaining, `due lot ${lot.row.id} is within its wallet's balance`);
  const command: EntryFields = {
    kind: 'debit',
    businessId: lot.row.business_id,
    customerId: lot.row.customer_id,
    currency: lot.row.currency,
    amount: lot.remaining,
    eventType: 'expiration',
    reason: null,
    referenceObjectId: lot.row.id,
    idempotency: { scope: lotExpiryScope, key: lot.expiryEntryId === null ? lot.row.id : `${lot.row.id}:w${wallet.entryCount + 1}` },
  };
  return appendEntry(
    command,
    view,
    wallet.balance - lot.remaining,
    (entry) => [{ type: 'lot_draw', draw: { entry_id: entry.id, lot_id: lot.row.id, amount: lot.remaining }, expires: true }],
    (entry) => [lotExpiredEvent(entry, lot.row, view)],
  );
}

/** One decider per kind: the compiler flags a kind added to the union without one. */
const deciders: { [K in CommandKind]: Decider<Extract<LedgerCommand, { kind: K }>> } = {
  credit: decideCredit,
  debit: decideDebit,
  expire_lot: decideExpireLot,
  hold: decideHold,
  capture: decideCapture,
  release: decideRelease,
  expire_hold: decideRelease,
};

export function decide(command: LedgerCommand, view: BatchView): Decision<OutcomeOf[CommandKind]> {
  return (deciders[command.kind] as Decider<LedgerCommand>)(command, view);
}
