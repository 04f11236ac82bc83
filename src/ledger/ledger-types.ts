// Domain types of the ledger write path: the command a caller submits and the outcome it gets back.
import type { LedgerEntriesTable } from '../db/schema.ts';

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

/** One request to append an entry: credits add `amount`, debits subtract it. */
export interface PostEntryCommand {
  businessId: string;
  customerId: string;
  currency: string;
  amount: number;
  isCredit: boolean;
  eventType: EventType;
  reason: string | null;
  referenceObjectId: string | null;
  idempotencyKey: string | null;
}

export type EntryRow = LedgerEntriesTable;

/** A wallet as the API shows it, at one point in time. */
export interface WalletSnapshot {
  customer_id: string;
  currency: string;
  balance: number;
  created_at: string;
  updated_at: string;
}

export type PostEntryOutcome =
  | { kind: 'applied'; entry: EntryRow; wallet: WalletSnapshot }
  /** The key was used before with the same customer, currency, amount and type: nothing new was written. */
  | { kind: 'duplicate'; entry: EntryRow; wallet: WalletSnapshot }
  /** The key was used before for a different request. */
  | { kind: 'key_conflict'; entry: EntryRow }
  | { kind: 'customer_not_found' }
  | { kind: 'insufficient_funds'; balance: number }
  | { kind: 'balance_limit_exceeded'; balance: number };

/** True when a repeated key carries the same request as the entry it first created. */
export function sameRequest(entry: EntryRow, command: PostEntryCommand): boolean {
  return (
    entry.customer_id === command.customerId &&
    entry.currency === command.currency &&
    entry.amount === command.amount &&
    (entry.is_credit === 1) === command.isCredit
  );
}
