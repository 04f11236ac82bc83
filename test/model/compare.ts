// Compares what Coffer answered or stored with what the model expects; each function returns a mismatch or null.
import type { LightMyRequestResponse } from 'fastify';
import type { LedgerEntriesTable } from '../../src/db/schema.ts';
import type { Expected, ModelEntry } from './ledger-model.ts';

type Json = Record<string, unknown>;

function firstDifference(label: string, actual: Json, expected: Json): string | null {
  for (const [field, value] of Object.entries(expected)) {
    if (actual[field] !== value) {
      return `${label}.${field} is ${JSON.stringify(actual[field])?.slice(0, 80)}, model says ${JSON.stringify(value)?.slice(0, 80)}`;
    }
  }
  return null;
}

/** An entry as GET …/ledger-entries (or a 409 body) shows it, against the model's entry. */
export function wireEntryMismatch(label: string, wire: unknown, entry: ModelEntry): string | null {
  if (typeof wire !== 'object' || wire === null) return `${label} is missing`;
  return firstDifference(label, wire as Json, {
    business_id: entry.businessId,
    customer_id: entry.customerId,
    currency: entry.currency,
    amount: entry.amount,
    is_credit: entry.isCredit,
    idempotency_key: entry.key,
    reason: entry.reason,
    before_balance: entry.before,
    after_balance: entry.after,
    event_type: 'merchant_adjustment',
    reference_object_id: null,
  });
}

/** A stored ledger_entries row against the model's entry, sequence numbers included. */
export function rowMismatch(label: string, row: LedgerEntriesTable | undefined, entry: ModelEntry): string | null {
  if (!row) return `${label} is missing from the database`;
  return firstDifference(label, row as unknown as Json, {
    business_id: entry.businessId,
    customer_id: entry.customerId,
    currency: entry.currency,
    amount: entry.amount,
    is_credit: entry.isCredit ? 1 : 0,
    idempotency_key: entry.key,
    reason: entry.reason,
    before_balance: entry.before,
    after_balance: entry.after,
    customer_seq: entry.customerSeq,
    wallet_seq: entry.walletSeq,
  });
}

/** The response to one POST …/ledger-entries against the model's expected outcome. */
export function responseMismatch(response: LightMyRequestResponse, expected: Expected, customerId: string, currency: string): string | null {
  let body: Json;
  try {
    body = response.json();
  } catch {
    return `response body is not JSON: ${response.body.slice(0, 120)}`;
  }
  if (response.statusCode !== expected.status || (body.code ?? null) !== expected.code) {
    return `got ${response.statusCode} ${String(body.code)} (${String(body.message)}), model says ${expected.status} ${expected.code}`;
  }
  switch (expected.code) {
    case null:
      if ((response.headers['x-idempotent-replay'] === 'true') !== expected.replayed) {
        return `x-idempotent-replay is ${String(response.headers['x-idempotent-replay'])}, model says replayed=${expected.replayed}`;
      }
      return firstDifference('wallet', body, { balance: expected.balance, currency, customer_id: customerId });
    case 'IDEMPOTENCY_KEY_ALREADY_USED':
      if (response.headers['x-should-retry'] !== 'false') return '409 without x-should-retry: false';
      return (
        wireEntryMismatch('409 entry', body.entry, expected.entry) ??
        firstDifference('409 wallet', (body.wallet ?? {}) as Json, { balance: expected.balance, currency: expected.entry.currency })
      );
    case 'IDEMPOTENCY_KEY_REUSED_WITH_DIFFERENT_REQUEST':
      if (response.headers['x-should-retry'] !== 'false') return '409 without x-should-retry: false';
      return wireEntryMismatch('409 entry', body.entry, expected.entry);
    case 'INSUFFICIENT_WALLET_FUNDS':
    case 'WALLET_BALANCE_LIMIT_EXCEEDED':
      return firstDifference('400 body', body, { balance: expected.balance, currency });
    default:
      return null;
  }
}
