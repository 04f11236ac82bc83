// Error codes of auto-recharge; src/http/errors.ts maps each to an HTTP status.
import type { LedgerErrorCode } from '../ledger/ledger-errors.ts';

export const rechargeErrorCodes = [
  /** The wallet has no auto-recharge setting. */
  'AUTO_RECHARGE_NOT_FOUND',
  /** The setting's fields do not fit together (a cap below the amount, a method not attached to the customer). */
  'INVALID_AUTO_RECHARGE',
] as const;

export type RechargeErrorCode = (typeof rechargeErrorCodes)[number] | Extract<LedgerErrorCode, 'CUSTOMER_NOT_FOUND' | 'UNSUPPORTED_CURRENCY'>;
