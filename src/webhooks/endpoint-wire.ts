// A stored endpoint row in its wire form (WebhookDetails), or why it cannot be served: a row written by hand or by an
// older version must fail alone (its own reads) instead of breaking every list page that holds it.
import type { WebhookEndpointsTable } from '../db/schema.ts';
import { type Result, err, ok } from '../shared/result.ts';
import type { HeaderMap } from './endpoint-headers.ts';
import type { WebhookDetails } from './endpoint-schemas.ts';
import type { WebhookErrorCode } from './webhook-errors.ts';

export type EndpointRow = WebhookEndpointsTable;

const storedTimestampPattern = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

function parseJson(text: unknown): { value: unknown } | null {
  if (typeof text !== 'string') return null;
  try {
    return { value: JSON.parse(text) };
  } catch {
    return null;
  }
}

function stringRecord(text: unknown): Record<string, string> | null {
  const parsed = parseJson(text);
  if (!parsed || typeof parsed.value !== 'object' || parsed.value === null || Array.isArray(parsed.value)) return null;
  return Object.values(parsed.value).every((v) => typeof v === 'string') ? (parsed.value as Record<string, string>) : null;
}

function stringList(text: unknown): string[] | null {
  const parsed = parseJson(text);
  if (!parsed || !Array.isArray(parsed.value)) return null;
  return parsed.value.every((v) => typeof v === 'string') ? (parsed.value as string[]) : null;
}

/** The JSON columns of a row, parsed, or the first problem with them. */
export function parseEndpointRow(row: EndpointRow): { metadata: Record<string, string>; filterTypes: string[]; headers: HeaderMap } | { problem: string } {
  for (const column of ['created_at', 'updated_at'] as const) {
    if (typeof row[column] !== 'string' || !storedTimestampPattern.test(row[column])) return { problem: `${column} is not a stored timestamp` };
  }
  if (typeof row.url !== 'string' || typeof row.description !== 'string' || typeof row.secret !== 'string') return { problem: 'url, description or secret is not text' };
  if (row.rate_limit !== null && !Number.isSafeInteger(Number(row.rate_limit))) return { problem: 'rate_limit is not an integer' };
  const metadata = stringRecord(row.metadata);
  if (!metadata) return { problem: 'metadata is not a JSON object of strings' };
  const filterTypes = stringList(row.filter_types);
  if (!filterTypes) return { problem: 'filter_types is not a JSON array of strings' };
  const headers = stringRecord(row.headers);
  if (!headers) return { problem: 'headers is not a JSON object of strings' };
  return { metadata, filterTypes, headers };
}

export function unreadable(endpointId: string, problem: string) {
  return err(
    'STORED_RECORD_UNREADABLE',
    `Webhook endpoint ${endpointId} is stored in a form Coffer cannot serve (${problem}); it needs repair by an operator, or deletion`,
    { record_id: endpointId },
  );
}

export function toWire(row: EndpointRow): Result<WebhookDetails, WebhookErrorCode> {
  const parsed = parseEndpointRow(row);
  if ('problem' in parsed) return unreadable(row.id, parsed.problem);
  return ok({
    id: row.id,
    created_at: row.created_at,
    description: row.description,
    metadata: parsed.metadata,
    updated_at: row.updated_at,
    url: row.url,
    disabled: Number(row.disabled) === 1,
    filter_types: parsed.filterTypes,
    rate_limit: row.rate_limit === null ? null : Number(row.rate_limit),
  });
}
