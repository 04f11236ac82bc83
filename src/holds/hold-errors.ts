// Error codes of holds; src/http/errors.ts maps each to an HTTP status.
import type { LedgerErrorCode } from '../ledger/ledger-errors.ts';

export const holdErrorCodes = [
  /** No hold with this id for the caller's business. */
  'HOLD_NOT_FOUND',
  /** The hold was captured, released or expired already: it can no longer be captured or released. */
  'HOLD_NOT_ACTIVE',
  /** A capture asked for more than the hold holds. */
  'HOLD_CAPTURE_EXCEEDS_HOLD',
] as const;

/** Holds also return the ledger's codes (insufficient funds, an unknown customer, a reused key, a busy writer). */
export type HoldErrorCode = (typeof holdErrorCodes)[number] | LedgerErrorCode;
