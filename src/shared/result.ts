// Expected failures are values: services return Ok or Err with a domain error code; only broken invariants throw.
// Each domain owns its codes (ledger-errors.ts, customer-errors.ts, …); src/http maps every code to a status.

export type Ok<T> = { ok: true; value: T };
export type Err<C extends string = string> = { ok: false; code: C; message: string; details?: Record<string, unknown> };
export type Result<T, C extends string = string> = Ok<T> | Err<C>;

export const ok = <T>(value: T): Ok<T> => ({ ok: true, value });
export const err = <C extends string>(code: C, message: string, details?: Record<string, unknown>): Err<C> => ({
  ok: false,
  code,
  message,
  ...(details ? { details } : {}),
});

export class InvariantError extends Error {
  constructor(message: string) {
    super(`invariant broken: ${message}`);
    this.name = 'InvariantError';
  }
}

export function assertInvariant(condition: unknown, message: string): asserts condition {
  if (!condition) throw new InvariantError(message);
}
