// The schema-driven fuzz run (test/fuzz/), short, on both stores: requests built from /openapi.json with a fixed
// seed; any 5xx, undocumented error, leak, schema mismatch, cross-tenant data or broken ledger chain fails the test.
// The long run: npm run fuzz -- --seed N --requests N --store sqlite|postgres|both (see docs/reliability.md).
import { describe, expect, it } from 'vitest';
import { TenantSecrets, checkResponse } from './fuzz/checks.ts';
import { formatSummary, runFuzz } from './fuzz/fuzz.ts';
import type { Operation } from './fuzz/operations.ts';
import type { FuzzRequest } from './fuzz/requests.ts';
import { storeKinds } from './support/stores.ts';

const seed = Number(process.env.COFFER_FUZZ_SEED ?? 20261201);
const requests = Number(process.env.COFFER_FUZZ_REQUESTS ?? 8000);

describe('the fuzz checks can fail', () => {
  const customer = { type: 'object', required: ['customer_id'], properties: { customer_id: { type: 'string' }, name: { type: 'string' } } };
  const operation: Operation = {
    method: 'POST', path: '/customers', pathParams: [], query: [], body: {}, secured: true, writes: true,
    responses: new Map<string, object>([['200', customer], ['4XX', { type: 'object' }]]), noContent: new Set(),
  };
  const request: FuzzRequest = {
    index: 0, operation: 'POST /customers', method: 'POST', url: '/customers', headers: {}, payload: '{"name":"Ada"}', auth: 'write', routeIntact: true, mutations: [],
  };
  const secrets = new TenantSecrets();
  secrets.add('bus_other', 'cus_theirs');
  const json = { 'content-type': 'application/json' };
  const problems = (status: number, body: string, changes: Partial<FuzzRequest> = {}) =>
    checkResponse(operation, { ...request, ...changes }, { status, headers: json, body }, secrets, 'bus_own');

  it.each([
    ['a 5xx', 500, '{"code":"INTERNAL_SERVER_ERROR","message":"x"}', /status 500/],
    ['an undocumented code', 400, '{"code":"OOPS","message":"x"}', /undocumented/],
    ['a code with the wrong status', 404, '{"code":"INVALID_JSON","message":"x"}', /documented 400/],
    ['an error that is not JSON', 400, 'Bad Request', /not JSON/],
    ['a stack trace', 422, '{"code":"INVALID_REQUEST_BODY","message":"TypeError: x\n    at foo (/app/src/x.ts:10:5)"}', /leaks/],
    ['SQL error text', 422, '{"code":"INVALID_REQUEST_BODY","message":"syntax error at or near \"x\""}', /leaks/],
    ['a 2xx off its schema', 200, '{"name":"Ada"}', /schema/],
    ['a changed echo', 200, '{"customer_id":"cus_1","name":"Ad"}', /sent as "Ada"/],
    ["another tenant's id", 200, '{"customer_id":"cus_theirs","name":"Ada"}', /another business/],
    ['an undocumented 204', 204, '', /204 is not documented/],
  ])('flags %s', (_name, status, body, expected) => {
    expect(problems(status, body).join('; ')).toMatch(expected);
  });

  it('flags a documented 204 with a body, and passes an empty one', () => {
    const deletion: Operation = { ...operation, method: 'DELETE', path: '/webhooks/{webhook_id}', pathParams: ['webhook_id'], body: null, noContent: new Set(['204']) };
    const sent = { ...request, operation: 'DELETE /webhooks/{webhook_id}', method: 'DELETE', url: '/webhooks/whk_1', payload: undefined };
    expect(checkResponse(deletion, sent, { status: 204, headers: {}, body: '{}' }, secrets, 'bus_own').join()).toMatch(/204 with a body/);
    expect(checkResponse(deletion, sent, { status: 204, headers: {}, body: '' }, secrets, 'bus_own')).toEqual([]);
  });

  it('flags a write with a read-only key or without a key, and passes a clean answer', () => {
    const good = '{"customer_id":"cus_1","name":"Ada"}';
    expect(problems(200, good, { auth: 'read' }).join()).toMatch(/read-only/);
    expect(problems(200, good, { auth: 'none' }).join()).toMatch(/without a valid key/);
    expect(problems(200, good)).toEqual([]);
  });
});

describe.each(storeKinds)('schema-driven fuzz [%s]', (kind) => {
  it(`${requests} seeded requests (seed ${seed}) find nothing`, async () => {
    const summary = await runFuzz({ store: kind, seed, requests, concurrency: 4 });
    expect(summary.requests).toBe(requests);
    expect(summary.operations).toBeGreaterThanOrEqual(7);
    // The run reached both sides of the API: successes, refusals of every kind, and real ledger writes.
    expect(summary.byStatus['200']).toBeGreaterThan(requests / 5);
    for (const status of ['400', '401', '403', '404', '422']) expect(summary.byStatus[status], `status ${status}`).toBeGreaterThan(0);
    // About one request in forty is a ledger write now that the API has ~40 operations (lots, payment methods).
    expect(summary.entries).toBeGreaterThan(25);
    expect(summary.findingCount, formatSummary(summary)).toBe(0);
  }, 180_000);
});
