// A stored customer row in its wire form, or why it cannot be served: a row written before a validation fix, or by
// hand, must fail alone (its own reads) instead of breaking every list page that holds it.
import { type Result, err, ok } from '../shared/result.ts';
import type { CustomerErrorCode } from './customer-errors.ts';
import type { CustomerRow } from './customer-repo.ts';

export interface WireCustomer {
  business_id: string;
  created_at: string;
  customer_id: string;
  email: string;
  name: string;
  phone_number: string | null;
  metadata: Record<string, string | number | boolean>;
}

type Metadata = WireCustomer['metadata'];

const storedTimestampPattern = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

function parseMetadata(text: unknown): { metadata: Metadata } | { problem: string } {
  if (typeof text !== 'string') return { problem: 'metadata is not text' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { problem: 'metadata is not valid JSON' };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return { problem: 'metadata is not a JSON object' };
  for (const [key, value] of Object.entries(parsed)) {
    const servable = typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value));
    if (!servable) return { problem: `metadata value of ${JSON.stringify(key)} is ${value === null ? 'null' : typeof value}, not a string, finite number or boolean` };
  }
  return { metadata: parsed as Metadata };
}

/** Why this row cannot be served as a customer, or null. Also for `coffer verify`-style checks of a whole table. */
export function customerRowProblem(row: CustomerRow): string | null {
  if (typeof row.email !== 'string' || typeof row.name !== 'string') return 'email or name is not text';
  if (row.phone_number !== null && typeof row.phone_number !== 'string') return 'phone_number is not text';
  if (typeof row.created_at !== 'string' || !storedTimestampPattern.test(row.created_at) || Number.isNaN(Date.parse(row.created_at))) {
    return 'created_at is not a stored timestamp';
  }
  const metadata = parseMetadata(row.metadata);
  return 'problem' in metadata ? metadata.problem : null;
}

export function unreadable(customerId: string, problem: string) {
  return err(
    'STORED_RECORD_UNREADABLE',
    `Customer ${customerId} is stored in a form Coffer cannot serve (${problem}); it needs repair (a PATCH with new metadata, or by an operator)`,
    { record_id: customerId },
  );
}

export function toWire(row: CustomerRow): Result<WireCustomer, CustomerErrorCode> {
  const problem = customerRowProblem(row);
  if (problem !== null) return unreadable(row.id, problem);
  const metadata = parseMetadata(row.metadata) as { metadata: Metadata };
  return ok({
    business_id: row.business_id,
    created_at: row.created_at,
    customer_id: row.id,
    email: row.email,
    name: row.name,
    phone_number: row.phone_number,
    metadata: metadata.metadata,
  });
}
