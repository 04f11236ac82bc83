// The ledger's commands: a closed union of kinds, each decided by its own pure decider (deciders.ts).
// A new kind (a hold, a capture, an expiry) is a new member here, a decider, and its outcome type.
import type { LedgerEntriesTable } from '../db/schema.ts';
import type { IdempotencyKeyRef } from './idempotency.ts';

export const eventTypes = [
  'payment',
  'payment_reversal',
  'refund',
  'refund_reversal',
  'dispute',
  'dispute_reversal',
  'merchant_adjustment',
] as const;
export type EventType = (typeof eventTypes)[number];

/** What every command that appends one entry carries. */
interface EntryCommandFields {
  businessId: string;
  customerId: string;
  currency: string;
  amount: number;
  eventType: EventType;
  reason: string | null;
  referenceObjectId: string | null;
  /** null: no key (a retry may apply twice; docs/sdk.md says to always send one). */
  idempotency: IdempotencyKeyRef | null;
}

/** Adds `amount` to the wallet, up to the largest balance allowed. */
export interface CreditCommand extends EntryCommandFields {
  kind: 'credit';
}

/** Subtracts `amount` from the wallet; refused when the balance is short. */
export interface DebitCommand extends EntryCommandFields {
  kind: 'debit';
}

export type LedgerCommand = CreditCommand | DebitCommand;
export type CommandKind = LedgerCommand['kind'];

export type EntryRow = LedgerEntriesTable;

/** A wallet as the API shows it, at one point in time. */
export interface WalletSnapshot {
  customer_id: string;
  currency: string;
  balance: number;
  created_at: string;
  updated_at: string;
}

export type EntryOutcome =
  | { kind: 'applied'; entry: EntryRow; wallet: WalletSnapshot }
  /** The key was used before for the same request: nothing new was written. */
  | { kind: 'duplicate'; entry: EntryRow; wallet: WalletSnapshot }
  /** The key was used before for a different request (its entry, when it produced one). */
  | { kind: 'key_conflict'; entry: EntryRow | null }
  | { kind: 'customer_not_found' }
  | { kind: 'insufficient_funds'; balance: number }
  | { kind: 'balance_limit_exceeded'; balance: number };

/** The outcome each command kind can have. */
export interface OutcomeOf {
  credit: EntryOutcome;
  debit: EntryOutcome;
}
export type CommandOutcome = OutcomeOf[CommandKind];
