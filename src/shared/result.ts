// Expected failures are values: services return Ok or Err with a domain error code; only broken invariants throw.
import type { ErrorCode } from '../http/errors.ts';

export type Ok<T> = { ok: true; value: T };
export type Err = { ok: false; code: ErrorCode; message: string; details?: Record<string, unknown> };
export type Result<T> = Ok<T> | Err;

export const ok = <T>(value: T): Ok<T> => ({ ok: true, value });
export const err = (code: ErrorCode, message: string, details?: Record<string, unknown>): Err => ({
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
