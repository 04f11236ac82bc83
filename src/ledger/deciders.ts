// Pure deciders, one per command kind: given what the batch loaded and its running state, a command's outcome and rows.
// They read no store and no clock (the batch's time is in the view), so they are unit-tested without a database.
import { type EventRow, eventRow } from '../outbox/event-row.ts';
import { idPrefixes } from '../shared/ids.ts';
import { walletBalanceMax } from '../shared/money.ts';
import { assertInvariant } from '../shared/result.ts';
import { type BatchView, type Write, walletSnapshot } from './batch-state.ts';
import type { CommandKind, CreditCommand, DebitCommand, EntryOutcome, EntryRow, LedgerCommand, OutcomeOf, WalletSnapshot } from './commands.ts';
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

/** Appends one entry moving the wallet from its running balance to `after`, and records the key if there is one. */
function appendEntry(command: CreditCommand | DebitCommand, view: BatchView, after: number): Decision<EntryOutcome> {
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
  };
  const writes: Write[] = [{ type: 'entry', entry }];
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
function knownCustomer(command: LedgerCommand, view: BatchView): boolean {
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
  return appendEntry(command, view, before + command.amount);
};

export const decideDebit: Decider<DebitCommand> = (command, view) => {
  if (!knownCustomer(command, view)) return nothing({ kind: 'customer_not_found' });
  const repeat = repeatedKey(command, view);
  if (repeat) return repeat;
  const before = view.wallet(command.customerId, command.currency)!.balance;
  if (before < command.amount) return nothing({ kind: 'insufficient_funds', balance: before });
  return appendEntry(command, view, before - command.amount);
};

/** One decider per kind: the compiler flags a kind added to the union without one. */
const deciders: { [K in CommandKind]: Decider<Extract<LedgerCommand, { kind: K }>> } = {
  credit: decideCredit,
  debit: decideDebit,
};

export function decide(command: LedgerCommand, view: BatchView): Decision<OutcomeOf[CommandKind]> {
  return (deciders[command.kind] as Decider<LedgerCommand>)(command, view);
}
