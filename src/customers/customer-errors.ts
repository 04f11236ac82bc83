// Error codes the customers domain returns; src/http/errors.ts maps each to an HTTP status.
export const customerErrorCodes = ['CUSTOMER_NOT_FOUND'] as const;
export type CustomerErrorCode = (typeof customerErrorCodes)[number];
