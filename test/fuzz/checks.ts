// The checks every fuzzed response must pass: no 5xx; errors are the envelope with a documented code and its status;
// no stack trace, path or SQL; 2xx bodies match the documented schema (a 204 has none) and echo what was written; no
// other tenant's data.
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { errorStatus } from '../../src/http/errors.ts';
import { leakPattern } from '../hostile/case.ts';
import { type JsonSchema, type Operation, responseSchema } from './operations.ts';
import type { FuzzRequest } from './requests.ts';

export interface FuzzResponse {
  status: number;
  headers: Record<string, string | string[] | number | undefined>;
  body: string;
}

const ajv = addFormats.default(new Ajv.default({ strict: false, allErrors: false }));
const compiled = new Map<JsonSchema, ValidateFunction>();
function validatorFor(schema: JsonSchema): ValidateFunction {
  let validate = compiled.get(schema);
  if (!validate) {
    validate = ajv.compile(schema);
    compiled.set(schema, validate);
  }
  return validate;
}

/** Strings that belong to one business: its id, its customers' ids and their emails. */
export class TenantSecrets {
  private readonly byBusiness = new Map<string, Set<string>>();
  add(businessId: string, secret: string): void {
    if (!this.byBusiness.has(businessId)) this.byBusiness.set(businessId, new Set([businessId]));
    this.byBusiness.get(businessId)!.add(secret);
  }
  /** Secrets of businesses other than `businessId`. */
  *foreign(businessId: string): Iterable<string> {
    for (const [owner, secrets] of this.byBusiness) if (owner !== businessId) yield* secrets;
  }
}

const requestText = (request: FuzzRequest) =>
  `${request.url} ${JSON.stringify(request.headers)} ${typeof request.payload === 'string' ? request.payload : (request.payload?.toString('latin1') ?? '')}`;

function parse(text: string): { ok: true; value: any } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

/** Every problem with one response (empty when it passes). `callerBusinessId` is the business the key belongs to, if any. */
export function checkResponse(
  operation: Operation,
  request: FuzzRequest,
  response: FuzzResponse,
  secrets: TenantSecrets,
  callerBusinessId: string | null,
): string[] {
  const problems: string[] = [];
  const sent = requestText(request);
  if (response.status >= 500) problems.push(`status ${response.status}`);
  const leak = leakPattern.exec(response.body);
  if (leak && !sent.includes(leak[0])) problems.push(`response leaks internals (${JSON.stringify(leak[0])})`);
  if (callerBusinessId !== null) {
    for (const secret of secrets.foreign(callerBusinessId)) {
      if (response.body.includes(secret) && !sent.includes(secret)) problems.push(`response holds another business's ${secret}`);
    }
  }
  if (request.method === 'HEAD') return problems;

  if (response.status === 204) {
    if (response.body !== '') problems.push('204 with a body');
    if (request.routeIntact && !operation.noContent.has('204')) problems.push('status 204 is not documented');
  }
  const parsed = parse(response.body);
  if (response.status >= 400) {
    if (!/^application\/json/.test(String(response.headers['content-type']))) problems.push(`error content-type ${response.headers['content-type']}`);
    if (!parsed.ok) return [...problems, 'error body is not JSON'];
    const { code, message } = parsed.value ?? {};
    if (typeof code !== 'string' || !(code in errorStatus)) problems.push(`undocumented error code ${JSON.stringify(code)}`);
    else if (errorStatus[code as keyof typeof errorStatus] !== response.status) problems.push(`${code} answered with ${response.status}, documented ${errorStatus[code as keyof typeof errorStatus]}`);
    if (typeof message !== 'string' || message.length === 0) problems.push('error without a message');
  } else if (String(response.headers['content-type']).startsWith('application/pdf')) {
    // A document (an invoice PDF): binary, checked by its own suite.
    if (!response.body.startsWith('%PDF-')) problems.push('application/pdf body is not a PDF');
  } else if (String(response.headers['content-type']).startsWith('text/csv')) {
    // A statement as CSV (format=csv): its header line, then one line per entry.
    if (!response.body.startsWith('id,created_at,event_type,')) problems.push('text/csv body does not start with the statement header');
  } else if (String(response.headers['content-type']).startsWith('text/html')) {
    // A printable statement (format=html): a page with its own strict CSP.
    if (!response.body.startsWith('<!doctype html>')) problems.push('text/html body is not a page');
    if (!String(response.headers['content-security-policy']).startsWith("default-src 'none'")) problems.push('text/html page without a strict CSP');
  } else if (response.status >= 200 && response.status < 300 && response.status !== 204) {
    if (!parsed.ok) return [...problems, '2xx body is not JSON'];
    const schema = request.routeIntact ? responseSchema(operation, response.status) : undefined;
    if (request.routeIntact && !schema) problems.push(`status ${response.status} is not documented`);
    if (schema) {
      const validate = validatorFor(schema);
      if (!validate(parsed.value)) problems.push(`2xx body does not match the documented schema: ${ajv.errorsText(validate.errors)}`);
    }
    problems.push(...echoProblems(request, parsed.value, schema));
  }
  if (response.status >= 200 && response.status < 300 && request.routeIntact) {
    if (request.auth === 'none' || request.auth === 'malformed' || request.auth === 'unknown') problems.push(`${response.status} without a valid key (${request.auth})`);
    if (request.auth === 'read' && operation.writes) problems.push(`read-only key wrote (${response.status})`);
    if (request.auth === 'other' && request.mutations.every((m) => !m.includes("another business's")) && operation.pathParams.length > 0) {
      problems.push(`another business's key reached our ${operation.pathParams.join(', ')} (${response.status})`);
    }
  }
  return problems;
}

/** A write that succeeded must answer with the values it was sent, for every field the response carries too. */
function echoProblems(request: FuzzRequest, body: any, schema: JsonSchema | undefined): string[] {
  if (request.method !== 'POST' && request.method !== 'PATCH') return [];
  // A capture's amount is what it takes; the hold it answers keeps the amount it held.
  if (/\/holds\/[^/]+\/capture$/.test(request.url.split('?')[0])) return [];
  if (typeof request.payload !== 'string' || typeof body !== 'object' || body === null) return [];
  const sent = parse(request.payload);
  if (!sent.ok || typeof sent.value !== 'object' || sent.value === null || Array.isArray(sent.value)) return [];
  const problems: string[] = [];
  for (const [field, value] of Object.entries<unknown>(sent.value)) {
    if (value === null || !(field in body)) continue;
    // A number the response documents as a string answers as its digits (Dodo's Dispute amount: "368" for 368).
    if (typeof value === 'number' && documentedType(schema, field) === 'string' && body[field] === String(value)) continue;
    if (JSON.stringify(value) !== JSON.stringify(body[field]) && !sameJson(value, body[field]) && !sameInstant(value, body[field])) {
      problems.push(`field ${field} was sent as ${JSON.stringify(value).slice(0, 80)} but answered as ${JSON.stringify(body[field]).slice(0, 80)}`);
    }
  }
  return problems;
}

/** The `type` the response schema gives a top-level field, if it gives one. */
function documentedType(schema: JsonSchema | undefined, field: string): unknown {
  const properties = (schema as { properties?: Record<string, { type?: unknown }> } | undefined)?.properties;
  return properties?.[field]?.type;
}

/** Two date-times naming the same instant (a hold's expires_at is answered in UTC). */
function sameInstant(a: unknown, b: unknown): boolean {
  if (typeof a !== 'string' || typeof b !== 'string' || !/^\d{4}-\d{2}-\d{2}T/.test(a)) return false;
  const time = Date.parse(a);
  return Number.isFinite(time) && time === Date.parse(b);
}

/** Equal JSON, a field that is null counting as absent (an invoice's wallet answers cap_amount: null). */
function sameJson(a: unknown, b: unknown): boolean {
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return Object.is(a, b) || (a === 0 && b === 0);
  const present = (o: object) => Object.keys(o).filter((k) => (o as any)[k] !== null);
  const keysA = present(a);
  const keysB = present(b);
  return keysA.length === keysB.length && keysA.every((k) => sameJson((a as any)[k], (b as any)[k]));
}
