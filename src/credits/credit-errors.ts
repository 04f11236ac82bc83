// Error codes of balance expiration (lots); src/http/errors.ts maps each to an HTTP status.
export const creditErrorCodes = [
  /** `expires_at` is not after now, or lies beyond the horizon (expiresAtHorizonDays). */
  'INVALID_EXPIRES_AT',
  /** `expires_at` or `category` sent with a debit: only a credit makes a lot. */
  'LOT_FIELDS_ON_DEBIT',
  /** No ledger entry with this id for this customer of this business. */
  'LEDGER_ENTRY_NOT_FOUND',
] as const;
export type CreditErrorCode = (typeof creditErrorCodes)[number];
