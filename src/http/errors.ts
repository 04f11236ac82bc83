// One error envelope ({code, message}), one exhaustive code → HTTP status map; docs/errors.md has a heading per code.

export const errorStatus = {
  INVALID_JSON: 400,
  MALFORMED_HTTP_REQUEST: 400,
  INSUFFICIENT_WALLET_FUNDS: 400,
  WALLET_BALANCE_LIMIT_EXCEEDED: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CUSTOMER_NOT_FOUND: 404,
  IDEMPOTENCY_KEY_ALREADY_USED: 409,
  IDEMPOTENCY_KEY_REUSED_WITH_DIFFERENT_REQUEST: 409,
  REQUEST_TIMEOUT: 408,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  EXPECTATION_FAILED: 417,
  INVALID_REQUEST_BODY: 422,
  INVALID_REQUEST_PARAMETERS: 422,
  UNSUPPORTED_CURRENCY: 422,
  HEADERS_TOO_LARGE: 431,
  TOO_MANY_REQUESTS: 429,
  INTERNAL_SERVER_ERROR: 500,
  STORED_RECORD_UNREADABLE: 500,
  SERVICE_UNAVAILABLE: 503,
} as const satisfies Record<string, number>;

export type ErrorCode = keyof typeof errorStatus;

/** Codes whose status the SDK would retry but whose answer will not change: sent with `x-should-retry: false`. */
export const terminalRetryableCodes: ReadonlySet<ErrorCode> = new Set([
  'IDEMPOTENCY_KEY_ALREADY_USED',
  'IDEMPOTENCY_KEY_REUSED_WITH_DIFFERENT_REQUEST',
  'STORED_RECORD_UNREADABLE',
]);

export interface ErrorBody {
  code: ErrorCode;
  message: string;
  [extra: string]: unknown;
}

/** An error raised inside the HTTP layer (auth, parsing) that maps straight to the envelope. */
export class HttpError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}
