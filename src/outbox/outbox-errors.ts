// Error codes of the events feed; src/http/errors.ts maps each to an HTTP status.
export const outboxErrorCodes = ['EVENT_NOT_FOUND'] as const;
export type OutboxErrorCode = (typeof outboxErrorCodes)[number];
