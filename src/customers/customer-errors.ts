// Error codes the customers domain returns; src/http/errors.ts maps each to an HTTP status.
export const customerErrorCodes = [
  'CUSTOMER_NOT_FOUND',
  /** A stored customer row cannot be served (written before a validation fix, or by hand): its own reads fail alone. */
  'STORED_RECORD_UNREADABLE',
] as const;
export type CustomerErrorCode = (typeof customerErrorCodes)[number];
