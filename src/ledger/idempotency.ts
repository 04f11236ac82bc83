// Idempotency as its own record, scoped: a key belongs to (business, scope), and keeps what the command would do.
import type { IdempotencyRecordsTable } from '../db/schema.ts';

/**
 * `client` holds the keys API clients send. Keys Coffer derives for its own work (an invoice's wallet payment, a
 * lot's expiry, a renewal) live in `coffer:<purpose>` scopes, so no client key can ever collide with one of them.
 */
export type IdempotencyScope = 'client' | `coffer:${string}`;

export interface IdempotencyKeyRef {
  scope: IdempotencyScope;
  key: string;
}

/** Longest key accepted, in characters (the wire schema enforces it for client keys). */
export const idempotencyKeyLengthMax = 255;

/** What a record points to: the row its command produced (a ledger entry, or a webhook endpoint a client created). */
export type IdempotencyResultType = 'ledger_entry' | 'webhook_endpoint';

export type IdempotencyRecordRow = IdempotencyRecordsTable;

/**
 * The fields that decide whether a repeat is "the same request": everything that changes money — the command
 * kind (credit or debit), customer, currency, amount — and the event type and reference object that Coffer sets
 * for its own commands. `reason` is a label and does not count: a retry that relabels is the same request.
 * Migration 0002 builds the same string in SQL for keys stored before records existed; keep the two in step.
 */
export interface FingerprintFields {
  kind: 'credit' | 'debit';
  customerId: string;
  currency: string;
  amount: number;
  eventType: string;
  referenceObjectId: string | null;
  /** A credit's lot: its expiry and category count too, appended only when not the defaults (never, paid). */
  expiresAt?: string | null;
  category?: 'paid' | 'promotional';
}

export function fingerprint(fields: FingerprintFields): string {
  const base = `v1:${fields.kind}:${fields.customerId}:${fields.currency}:${fields.amount}:${fields.eventType}:${fields.referenceObjectId ?? ''}`;
  const expiresAt = fields.expiresAt ?? null;
  const category = fields.category ?? 'paid';
  return expiresAt === null && category === 'paid' ? base : `${base}:lot:${expiresAt ?? ''}:${category}`;
}

/** Map key of a record within one batch. */
export function recordKey(businessId: string, scope: string, key: string): string {
  return `${businessId}\u0000${scope}\u0000${key}`;
}
