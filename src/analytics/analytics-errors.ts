// Error codes of the analytics reads and the business settings; src/http/errors.ts maps each to an HTTP status.
import type { CustomerErrorCode } from '../customers/customer-errors.ts';

export const analyticsErrorCodes = [
  /** from is not before to, a range longer than rangeDaysMax, or a day that is not a calendar day. */
  'INVALID_TIME_RANGE',
  /** as_of is after the present: the ledger does not know that balance yet. */
  'AS_OF_IN_FUTURE',
  /** Not an IANA time zone Intl knows. */
  'INVALID_TIME_ZONE',
  /** More entries than a JSON statement lists: read it as format=csv (streamed). */
  'STATEMENT_TOO_LARGE',
] as const;
export type AnalyticsErrorCode = (typeof analyticsErrorCodes)[number] | CustomerErrorCode | 'UNSUPPORTED_CURRENCY';
