// Error codes the ledger returns (posting entries, reading wallets); src/http/errors.ts maps each to an HTTP status.
import type { CreditErrorCode } from '../credits/credit-errors.ts';
import type { CustomerErrorCode } from '../customers/customer-errors.ts';

export const ledgerErrorCodes = [
  'INSUFFICIENT_WALLET_FUNDS',
  'WALLET_BALANCE_LIMIT_EXCEEDED',
  'IDEMPOTENCY_KEY_ALREADY_USED',
  'IDEMPOTENCY_KEY_REUSED_WITH_DIFFERENT_REQUEST',
  'UNSUPPORTED_CURRENCY',
  /** The writer's queue is full: the command was not queued; retry after Retry-After. */
  'SERVER_BUSY',
] as const;
export type LedgerErrorCode = (typeof ledgerErrorCodes)[number] | CustomerErrorCode | CreditErrorCode;
