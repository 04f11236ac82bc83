// The ledger's commands: a closed union of kinds, each decided by its own pure decider (deciders.ts).
// A new kind (a hold, a capture, an expiry) is a new member here, a decider, and its outcome type.
import type { LotCategory } from '../credits/lot-order.ts';
import type { CreditLotsTable, HoldsTable, LedgerEntriesTable } from '../db/schema.ts';
import type { IdempotencyKeyRef } from './idempotency.ts';

export const eventTypes = [
  'payment',
  'payment_reversal',
  'refund',
  'refund_reversal',
  'dispute',
  'dispute_reversal',
  'merchant_adjustment',
  /** A Coffer extension: the entry that takes an expired lot's remainder (reference_object_id is the lot id). */
  'expiration',
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
  /** When the credit's lot expires (ISO-8601, after the batch's time); absent or null: never. */
  expiresAt?: string | null;
  /** Absent: paid. */
  category?: LotCategory;
  /**
   * A refund giving back money that came from a lot: an expiresAt not after the batch's time is dropped (the money
   * comes back without an expiry) instead of refusing the credit. Decided here, by the batch's clock.
   */
  dropLapsedExpiry?: boolean;
}

/** Subtracts `amount` from the wallet; refused when the balance is short. */
export interface DebitCommand extends EntryCommandFields {
  kind: 'debit';
}

/**
 * Records a lot's expiration if it has come and is not recorded yet (the expiry job's command). The writer expires
 * every due lot of a wallet before its first command in a batch anyway; this command makes a batch touch the wallet.
 * Its key is derived: scope coffer:lot_expiry, key the lot id.
 */
export interface ExpireLotCommand {
  kind: 'expire_lot';
  businessId: string;
  customerId: string;
  currency: string;
  lotId: string;
  idempotency: IdempotencyKeyRef;
}

/**
 * Reserves `amount` of the wallet's available balance (balance − held) and the lots it comes from, in consumption
 * order. Writes no entry: the balance stays the sum of entries; the capture writes the debit.
 */
export interface HoldCommand {
  kind: 'hold';
  businessId: string;
  customerId: string;
  currency: string;
  amount: number;
  reason: string | null;
  /** After the batch's time, or null: the hold stays until captured or released. */
  expiresAt: string | null;
  /** What the capture's debit entry says (a client's hold: payment, reference the hold id when null). */
  eventType: EventType;
  referenceObjectId: string | null;
  idempotency: IdempotencyKeyRef;
  /** Hold what is available up to `amount` (an invoice's wallet part, decided here, never read before). */
  upTo?: boolean;
}

/** Captures up to the held amount (null: all of it): one debit entry; what is not captured is released. */
export interface CaptureHoldCommand {
  kind: 'capture';
  businessId: string;
  customerId: string;
  currency: string;
  holdId: string;
  amount: number | null;
  /** The debit entry's key (an invoice payment's coffer:invoice_payment / invoice:<id>:wallet), or null. */
  idempotency: IdempotencyKeyRef | null;
}

interface HoldRefFields {
  businessId: string;
  customerId: string;
  currency: string;
  holdId: string;
  /** Idempotent by the hold's state: releasing a released hold answers it again. */
  idempotency: null;
}

/** Releases an active hold: its reservations go back to their lots. */
export interface ReleaseHoldCommand extends HoldRefFields {
  kind: 'release';
}

/** Releases an active hold as expired, once its expires_at has come (the holds.expire job's command). */
export interface ExpireHoldCommand extends HoldRefFields {
  kind: 'expire_hold';
}

export type HoldCommandAny = HoldCommand | CaptureHoldCommand | ReleaseHoldCommand | ExpireHoldCommand;

export type LedgerCommand = CreditCommand | DebitCommand | ExpireLotCommand | HoldCommandAny;
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
  | { kind: 'insufficient_funds'; balance: number; held: number }
  | { kind: 'balance_limit_exceeded'; balance: number }
  /** The credit's expires_at is not after the batch's time. */
  | { kind: 'expiry_not_in_future'; now: string };

export type LotRow = CreditLotsTable;

export type ExpireLotOutcome =
  /** Its expiration entry exists (written now or before). */
  | { kind: 'expired'; entryId: string }
  /** Spent before it expired: nothing to record. */
  | { kind: 'spent' }
  /** Still active and not due yet (the clock is earlier than expires_at). */
  | { kind: 'not_due'; expiresAt: string | null }
  /** No such lot for this wallet, or it was not loaded (neither due nor needed). */
  | { kind: 'lot_not_found' }
  | { kind: 'customer_not_found' };

export type HoldRow = HoldsTable;

/** A hold's outcome: the hold as it stands after the command, and the wallet (held and available) then. */
export type HoldOutcome =
  | { kind: 'applied'; hold: HoldRow; wallet: WalletSnapshot & { held_amount: number }; entry: EntryRow | null }
  /** The same key and request again, or a capture/release of a hold already in that state. */
  | { kind: 'duplicate'; hold: HoldRow; wallet: WalletSnapshot & { held_amount: number }; entry: EntryRow | null }
  | { kind: 'key_conflict'; hold: HoldRow | null }
  | { kind: 'customer_not_found' }
  | { kind: 'hold_not_found' }
  /** The hold is captured, released or expired (another state than the one asked for). */
  | { kind: 'hold_not_active'; hold: HoldRow }
  /** A capture of more than the hold holds. */
  | { kind: 'capture_exceeds_hold'; hold: HoldRow }
  | { kind: 'insufficient_funds'; balance: number; held: number }
  | { kind: 'expiry_not_in_future'; now: string }
  /** expire_hold before the hold's expires_at. */
  | { kind: 'not_due'; expiresAt: string | null };

/** The outcome each command kind can have. */
export interface OutcomeOf {
  credit: EntryOutcome;
  debit: EntryOutcome;
  expire_lot: ExpireLotOutcome;
  hold: HoldOutcome;
  capture: HoldOutcome;
  release: HoldOutcome;
  expire_hold: HoldOutcome;
}
export type CommandOutcome = OutcomeOf[CommandKind];
