// Error codes of authentication and access: a missing, malformed, unknown or revoked key; a read-only key writing.
export const authErrorCodes = ['UNAUTHORIZED', 'FORBIDDEN'] as const;
export type AuthErrorCode = (typeof authErrorCodes)[number];
